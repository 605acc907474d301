import { readSse, type SseEvent } from '../../../packages/cli/src/sse-reader';

/**
 * Reads a gateway SSE answer: up to `max` events (then the connection is
 * dropped, as a browser losing its network would), or until the server ends
 * the stream; bounded by `timeoutMs` so a test never hangs.
 */
export async function readEvents(url: string, headers: Record<string, string>, { max = Infinity, timeoutMs = 60_000 }: { max?: number; timeoutMs?: number } = {}): Promise<{ status: number; events: SseEvent[]; body?: unknown }> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
    if (res.status !== 200 || !res.body) return { status: res.status, events: [], body: await res.json().catch(() => undefined) };
    const events: SseEvent[] = [];
    for await (const e of readSse(res.body as unknown as AsyncIterable<Uint8Array>)) {
      events.push(e);
      if (events.length >= max) break;
    }
    abort.abort();
    return { status: 200, events };
  } finally {
    clearTimeout(timer);
  }
}
