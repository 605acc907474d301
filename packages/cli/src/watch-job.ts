import { ServerError } from './cli-config';
import type { GatewayClient } from './gateway-client';
import type { SseEvent } from './sse-reader';

/** Reconnects in a row without a new event before the watch gives up. */
const MAX_IDLE_RECONNECTS = 5;
const RECONNECT_DELAY_MS = 1000;

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

/** The terminal state an event reports, if it reports one. */
export function terminalStateOf(e: SseEvent): string | undefined {
  if (e.event !== 'status') return undefined;
  const state = (JSON.parse(e.data) as { status?: { state?: string } }).status?.state;
  return state !== undefined && TERMINAL.has(state) ? state : undefined;
}

/**
 * Follows a training job's events until its terminal state, reconnecting
 * with Last-Event-ID when the stream ends early (a restarted gateway, the
 * stream's maximum life), so every event is seen once. Resolves with the
 * terminal state.
 */
export async function watchTrainingJob(client: GatewayClient, jobId: string, onEvent: (e: SseEvent) => void, sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))): Promise<string> {
  let lastId: string | undefined;
  let idle = 0;
  for (;;) {
    let fresh = false;
    let refused: ServerError | undefined;
    try {
      for await (const e of await client.events(`/v1/training/jobs/${encodeURIComponent(jobId)}/events`, lastId)) {
        if (e.event === 'error') {
          const err = (JSON.parse(e.data) as { error?: { reason?: string; message?: string } }).error;
          // The stream's maximum life: reconnect and go on; anything else is the server's answer.
          if (err?.reason !== 'STREAM_EXPIRED') refused = new ServerError(`events of ${jobId}: ${err?.message ?? e.data}`, 0, err);
          break;
        }
        if (e.id !== undefined) lastId = e.id;
        fresh = true;
        onEvent(e);
        const state = terminalStateOf(e);
        if (state !== undefined) return state;
      }
    } catch (err) {
      // A refusal (404, 403 ...) will not change by retrying; a cut connection may.
      if (err instanceof ServerError && err.status !== 0) throw err;
      if (!(err instanceof ServerError) && !(err instanceof TypeError)) throw err;
    }
    if (refused) throw refused;
    idle = fresh ? 0 : idle + 1;
    if (idle >= MAX_IDLE_RECONNECTS) throw new ServerError(`events of ${jobId}: the stream kept ending without news (${MAX_IDLE_RECONNECTS} reconnects)`, 0, undefined);
    await sleep(RECONNECT_DELAY_MS);
  }
}
