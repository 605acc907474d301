import { ServerError, type CliConfig } from './cli-config';
import { readSse, type SseEvent } from './sse-reader';

/** How a command talks to the gateway: JSON in, JSON out, errors as ServerError. */
export interface GatewayClient {
  json<T>(method: string, path: string, body?: unknown): Promise<T>;
  /** A request with a streamed body (uploads); Node's fetch needs duplex: 'half' for it. */
  stream<T>(method: string, path: string, body: ReadableStream<Uint8Array>, contentType: string): Promise<T>;
  /** A GET answered with Server-Sent Events, resumed after `lastEventId` when given; ends when the server ends it. */
  events(path: string, lastEventId: string | undefined, signal?: AbortSignal): Promise<AsyncGenerator<SseEvent>>;
  /** A JSON POST answered with Server-Sent Events (a benchmark); a refusal comes back as a ServerError. */
  postEvents(path: string, body: unknown, signal?: AbortSignal): Promise<AsyncGenerator<SseEvent>>;
}

async function answer<T>(res: Response, what: string): Promise<T> {
  const text = await res.text();
  let body: unknown = undefined;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = text;
  }
  if (!res.ok) {
    const e = (body as { error?: { message?: string; code?: string } } | undefined)?.error;
    throw new ServerError(`${what}: ${res.status} ${e?.code ?? ''} ${e?.message ?? text.slice(0, 200)}`.replace(/\s+/g, ' ').trim(), res.status, body);
  }
  return body as T;
}

export function createGatewayClient(config: CliConfig, fetchFn: typeof fetch = fetch): GatewayClient {
  const headers = (extra: Record<string, string> = {}): Record<string, string> => ({ ...(config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {}), ...extra });
  const call = async (method: string, path: string, init: RequestInit): Promise<Response> => {
    try {
      return await fetchFn(`${config.gatewayUrl}${path}`, { method, ...init });
    } catch (err) {
      // undici puts the socket error in `cause` (an AggregateError when every address failed).
      const c = (err as { cause?: { code?: string; errors?: { code?: string }[] } }).cause;
      const cause = c?.code ?? c?.errors?.[0]?.code ?? (err instanceof Error ? err.message : String(err));
      throw new ServerError(`cannot reach the gateway at ${config.gatewayUrl} (${cause}); is it running? (L1G1_GATEWAY_URL)`, 0, undefined);
    }
  };
  return {
    async json<T>(method: string, path: string, body?: unknown): Promise<T> {
      const init: RequestInit = body === undefined ? { headers: headers() } : { headers: headers({ 'content-type': 'application/json' }), body: JSON.stringify(body) };
      return answer<T>(await call(method, path, init), `${method} ${path.split('?')[0]}`);
    },
    async stream<T>(method: string, path: string, body: ReadableStream<Uint8Array>, contentType: string): Promise<T> {
      // duplex: 'half' is what lets undici send a stream body; the DOM RequestInit type lacks it.
      const init = { headers: headers({ 'content-type': contentType }), body, duplex: 'half' } as RequestInit;
      return answer<T>(await call(method, path, init), `${method} ${path.split('?')[0]}`);
    },
    async events(path: string, lastEventId: string | undefined, signal?: AbortSignal): Promise<AsyncGenerator<SseEvent>> {
      const extra: Record<string, string> = { accept: 'text/event-stream', ...(lastEventId !== undefined ? { 'last-event-id': lastEventId } : {}) };
      const res = await call('GET', path, { headers: headers(extra), ...(signal ? { signal } : {}) });
      if (!res.ok || !res.body) return answer<never>(res, `GET ${path.split('?')[0]}`);
      // Node's web ReadableStream is async-iterable; the DOM type in lib.dom lacks the declaration.
      return readSse(res.body as unknown as AsyncIterable<Uint8Array>);
    },
    async postEvents(path: string, body: unknown, signal?: AbortSignal): Promise<AsyncGenerator<SseEvent>> {
      const init: RequestInit = { headers: headers({ accept: 'text/event-stream', 'content-type': 'application/json' }), body: JSON.stringify(body), ...(signal ? { signal } : {}) };
      const res = await call('POST', path, init);
      if (!res.ok || !res.body) return answer<never>(res, `POST ${path.split('?')[0]}`);
      return readSse(res.body as unknown as AsyncIterable<Uint8Array>);
    },
  };
}
