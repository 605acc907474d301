import { ChannelCredentials, ServerCredentials, credentials } from '@grpc/grpc-js';
import type { GrpcTls } from './grpc-tls-config';

export { loadGrpcTls, type GrpcTls } from './grpc-tls-config';

/** Server side: TLS with this process's certificate when configured, else plaintext. */
export function grpcServerCredentials(tls: GrpcTls | undefined): ServerCredentials {
  if (!tls?.cert || !tls.key) return ServerCredentials.createInsecure();
  // Client certificates are not required: API keys and the signed
  // principal authenticate callers; TLS protects them on the wire.
  return ServerCredentials.createSsl(tls.ca ?? null, [{ cert_chain: tls.cert, private_key: tls.key }], false);
}

/** Client side: TLS verifying the server against the CA when configured, else plaintext. */
export function grpcChannelCredentials(tls: GrpcTls | undefined): ChannelCredentials {
  if (!tls) return credentials.createInsecure();
  return credentials.createSsl(tls.ca ?? null, tls.key ?? null, tls.cert ?? null);
}
