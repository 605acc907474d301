/**
 * gRPC stream plumbing for the handlers: the upload stream as domain parts.
 * (Writes that respect backpressure: kit's writeWithBackpressure;
 * cancellation: kit's cancellationSignal.)
 */
import { errors, type AsyncService } from '@l1g1/kit';
import type { registry } from '@l1g1/contracts';
import type { UploadPart } from '../domain/inputs';
import { uploadPartFromWire } from './mappers';

/** The grpc-js call objects, as kit's handler types declare them (no direct grpc-js import needed). */
type Handlers = AsyncService<registry.ModelRegistryServiceService>;
/** The server side of a CreateVersion / AddVariant call. */
export type UploadCall = Parameters<Handlers['createVersion']>[0];

/**
 * The client's upload messages as domain parts. grpc-js destroys the stream
 * when the call is cancelled, which surfaces here as a premature-close error;
 * it is reported as CANCELLED so the domain discards the partial upload.
 */
export async function* uploadParts(call: UploadCall, signal: AbortSignal): AsyncGenerator<UploadPart> {
  const cancelled = (): Error => errors.cancelled('the upload was cancelled by the client; nothing was stored');
  try {
    // grpc-js streams yield decoded messages of the method's request type.
    for await (const message of call as AsyncIterable<registry.UploadArtifactRequest>) {
      if (signal.aborted) throw cancelled();
      yield uploadPartFromWire(message);
    }
  } catch (err: unknown) {
    if (signal.aborted || call.cancelled) throw cancelled();
    throw err;
  }
  if (signal.aborted || call.cancelled) throw cancelled();
}
