/** One Server-Sent Event as the gateway sends it (`id:`, `event:`, `data:` lines, a blank line). */
export interface SseEvent {
  /** The `id:` line; undefined when the event had none. */
  id: string | undefined;
  /** The `event:` line; "message" when absent (the SSE default). */
  event: string;
  data: string;
}

/**
 * The events of a `text/event-stream` body, in order. Written by hand: the
 * format is a few lines of the HTML standard, and the npm readers are
 * browser-EventSource polyfills that reconnect on their own, which the
 * callers here must control (they resume with Last-Event-ID themselves).
 * Comment lines (heartbeats) and `retry:` are skipped.
 */
export async function* readSse(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  let id: string | undefined;
  let event = '';
  let data: string[] = [];
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buffer.search(/\r?\n/)) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + (buffer[nl] === '\r' ? 2 : 1));
      if (line === '') {
        if (data.length > 0 || event !== '') yield { id, event: event || 'message', data: data.join('\n') };
        id = undefined;
        event = '';
        data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') id = value;
      else if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
  }
}
