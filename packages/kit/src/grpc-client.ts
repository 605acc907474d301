import {
  type CallOptions,
  type ChannelCredentials,
  type ChannelOptions,
  type Client,
  InterceptingCall,
  type Interceptor,
  Metadata,
  type ServiceError,
} from '@grpc/grpc-js';
import { setForwardedPrincipal } from './auth/forwarded-principal';
import { grpcChannelCredentials, type GrpcTls } from './auth/grpc-tls';
import type { Principal } from './auth/principal';
import { fromServiceError } from './errors';

/**
 * Who a client calls as: an API key (sent as `authorization: Bearer`), or,
 * between our own services, a principal signed with the internal secret.
 */
export type ClientIdentity = { apiKey: string } | { principal: Principal; internalSecret: string };

export interface ClientOptions {
  /** Deadline applied to every unary / client-streaming call that sets none. */
  defaultDeadlineMs?: number;
  /** Keepalive ping interval (default 10 s); see `createGrpcClient`. */
  keepaliveTimeMs?: number;
  /** A ping unanswered this long closes the connection (default 2 s). */
  keepaliveTimeoutMs?: number;
  channelOptions?: ChannelOptions;
  /** Credentials added to every call's metadata; unset = anonymous. */
  identity?: ClientIdentity;
  /** TLS (server verification, optional client certificate); unset = plaintext. */
  tls?: GrpcTls;
}

/** An interceptor that adds `identity` to the metadata of every call. */
export function identityInterceptor(identity: ClientIdentity): Interceptor {
  return (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        if ('apiKey' in identity) metadata.set('authorization', `Bearer ${identity.apiKey}`);
        // Signed per call: a forwarded principal carries its issue time.
        else setForwardedPrincipal(metadata, identity.principal, identity.internalSecret);
        next(metadata, listener);
      },
    });
}

/**
 * An interceptor that gives every non-server-streaming call a deadline
 * (a call without one can hang forever on a stuck peer). Server streams
 * (watches) are long-lived by design and keep theirs unset.
 */
export function deadlineInterceptor(defaultDeadlineMs: number): Interceptor {
  return (options, nextCall) => {
    const streaming = options.method_definition.responseStream;
    const withDeadline =
      options.deadline === undefined && !streaming
        ? { ...options, deadline: Date.now() + defaultDeadlineMs }
        : options;
    return new InterceptingCall(nextCall(withDeadline));
  };
}

type ClientCtor<C> = new (address: string, creds: ChannelCredentials, options?: Partial<ChannelOptions>) => C;

/**
 * Builds a generated grpc-js client with deadlines, keepalive, sane
 * message limits and round-robin balancing over the target's addresses.
 *
 * Keepalive: a peer that is stopped (SIGSTOP, a frozen VM: its kernel still
 * ACKs) or cut off by a network that drops packets without a reset keeps
 * its TCP connection open, so without pings a call waits for its whole
 * deadline. With pings every `keepaliveTimeMs` and a
 * `keepaliveTimeoutMs` limit, the connection is declared dead within about
 * their sum, its calls fail UNAVAILABLE and the caller's breaker sees them.
 * Pings are sent without calls too, so an idle channel is known dead before
 * the next request. Our servers permit this rate (`startGrpcServer`).
 */
export function createGrpcClient<C extends Client>(Ctor: ClientCtor<C>, address: string, options: ClientOptions = {}): C {
  const maxBytes = 64 * 1024 * 1024;
  const interceptors = [deadlineInterceptor(options.defaultDeadlineMs ?? 10_000)];
  if (options.identity) interceptors.push(identityInterceptor(options.identity));
  return new Ctor(address, grpcChannelCredentials(options.tls), {
    'grpc.max_receive_message_length': maxBytes,
    'grpc.max_send_message_length': maxBytes,
    'grpc.keepalive_time_ms': options.keepaliveTimeMs ?? 10_000,
    'grpc.keepalive_timeout_ms': options.keepaliveTimeoutMs ?? 2_000,
    'grpc.keepalive_permit_without_calls': 1,
    // Reconnect fast after a peer restarts (default backoff reaches 120 s).
    'grpc.initial_reconnect_backoff_ms': 100,
    'grpc.max_reconnect_backoff_ms': 1000,
    // Streams of artifact chunks and tensor outputs: don't stall on 64 KiB windows.
    'grpc-node.flow_control_window': 8 * 1024 * 1024,
    // Calls spread over every address the target resolves to (compose replicas answer one
    // name with several addresses, as does a headless k8s Service): grpc's default,
    // pick_first, would send every call over one connection to one replica.
    'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }),
    ...options.channelOptions,
    interceptors,
  } as Partial<ChannelOptions>);
}

/** A generated client's unary method in callback form. */
export type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Res) => void,
) => unknown;

/**
 * Promise form of a unary call. Failures come back as `L1g1Error`s (the
 * gRPC status turned back into a domain error at the client edge).
 */
export function unary<Req, Res>(
  method: UnaryMethod<Req, Res>,
  request: Req,
  options: { deadlineMs?: number; metadata?: Metadata } = {},
): Promise<Res> {
  return new Promise((resolvePromise, reject) => {
    const callOptions: Partial<CallOptions> =
      options.deadlineMs === undefined ? {} : { deadline: Date.now() + options.deadlineMs };
    method(request, options.metadata ?? new Metadata(), callOptions, (err, res) => {
      if (err) reject(fromServiceError(err));
      else resolvePromise(res);
    });
  });
}
