/**
 * Open-loop overload against one HTTP route: requests start on a fixed
 * schedule whatever the answers, and every answer is classified, because
 * under overload what matters is not the throughput but how each request
 * ended: accepted (2xx, how late), refused (429/503, how fast), failed
 * (other 5xx), or lost (connection reset, timeout, no answer).
 *
 * The harness's open loop counts successes and error codes only; refusal
 * latencies and socket-level failures need their own accounting, so this
 * is a separate runner. The client is `http.request` over one keep-alive
 * agent with many sockets: a real overload comes from many connections,
 * and a small pool would queue requests in the load generator itself.
 */
import * as http from 'node:http';
import { percentile } from './harness';

export interface OverloadOptions {
  /** e.g. http://127.0.0.1:8080 */
  baseUrl: string;
  path: string;
  body: Buffer;
  headers: Record<string, string>;
  rateRps: number;
  durationS: number;
  /** Sockets the agent may open. */
  maxSockets: number;
  /** Most requests in flight in the generator; a scheduled request past it is dropped (counted). */
  maxOutstanding: number;
  /** A request not answered within this counts as `TIMEOUT`. */
  timeoutMs: number;
}

export interface OverloadResult {
  offered_rps: number;
  duration_s: number;
  sent: number;
  accepted: number;
  /** Refusals by status (429, 503). */
  refused: Record<string, number>;
  /** Refusals by the error reason in their body. */
  refused_reasons: Record<string, number>;
  /** Every 5xx answer, refusals (503) included. */
  status_5xx: number;
  /** 5xx answers other than a 503 refusal (500, 502, 504 ...). */
  status_5xx_not_refusal: number;
  /** Other non-2xx answers by status. */
  other_status: Record<string, number>;
  /** Requests without an answer, by error code (ECONNRESET, EPIPE, TIMEOUT ...). */
  errors: Record<string, number>;
  /** Connection resets (ECONNRESET, EPIPE, socket hang up). */
  resets: number;
  /** Scheduled but not sent: the generator had `maxOutstanding` in flight. */
  dropped: number;
  accepted_rps: number;
  accepted_p50_ms: number;
  accepted_p99_ms: number;
  accepted_max_ms: number;
  refusal_p50_ms: number;
  refusal_p99_ms: number;
  refusal_max_ms: number;
}

const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'SOCKET_HANG_UP']);

function reasonOf(body: Buffer): string {
  try {
    const json = JSON.parse(body.toString('utf8')) as { error?: { reason?: unknown } | string };
    return typeof json.error === 'object' && typeof json.error?.reason === 'string' ? json.error.reason : 'unknown';
  } catch {
    return 'not-json';
  }
}

/** Runs the open loop and waits (up to `timeoutMs`) for the last answers. */
export async function runOverload(o: OverloadOptions): Promise<OverloadResult> {
  const url = new URL(o.baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.maxSockets, maxFreeSockets: o.maxSockets });
  const headers = { ...o.headers, 'content-length': String(o.body.length) };
  const accepted: number[] = [];
  const refusals: number[] = [];
  const result: OverloadResult = {
    offered_rps: o.rateRps,
    duration_s: 0,
    sent: 0,
    accepted: 0,
    refused: {},
    refused_reasons: {},
    status_5xx: 0,
    status_5xx_not_refusal: 0,
    other_status: {},
    errors: {},
    resets: 0,
    dropped: 0,
    accepted_rps: 0,
    accepted_p50_ms: 0,
    accepted_p99_ms: 0,
    accepted_max_ms: 0,
    refusal_p50_ms: 0,
    refusal_p99_ms: 0,
    refusal_max_ms: 0,
  };
  const inc = (m: Record<string, number>, k: string): void => {
    m[k] = (m[k] ?? 0) + 1;
  };
  let outstanding = 0;
  let lastDone = 0;
  let idle: (() => void) | undefined;

  const send = (scheduledAt: number): void => {
    outstanding++;
    result.sent++;
    let settled = false;
    const done = (): void => {
      if (settled) return;
      settled = true;
      outstanding--;
      lastDone = performance.now();
      if (outstanding === 0) idle?.();
    };
    const req = http.request({ agent, host: url.hostname, port: url.port || 80, method: 'POST', path: o.path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        // Latency from the scheduled start: a late send counts against the system.
        const ms = performance.now() - scheduledAt;
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          result.accepted++;
          accepted.push(ms);
        } else if (status === 429 || status === 503) {
          inc(result.refused, String(status));
          inc(result.refused_reasons, reasonOf(Buffer.concat(chunks)));
          refusals.push(ms);
        } else {
          inc(result.other_status, String(status));
        }
        if (status >= 500) result.status_5xx++;
        if (status >= 500 && status !== 503) result.status_5xx_not_refusal++;
        done();
      });
      res.on('error', (err: NodeJS.ErrnoException) => {
        inc(result.errors, err.code ?? 'RESPONSE_ERROR');
        done();
      });
    });
    req.setTimeout(o.timeoutMs, () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) => {
      const code = err.message === 'socket hang up' ? 'SOCKET_HANG_UP' : err.code ?? 'UNKNOWN';
      inc(result.errors, code);
      if (RESET_CODES.has(code)) result.resets++;
      done();
    });
    req.end(o.body);
  };

  const t0 = performance.now();
  const intervalMs = 1000 / o.rateRps;
  const total = Math.floor(o.rateRps * o.durationS);
  let scheduled = 0;
  while (scheduled < total) {
    const due = Math.min(total, Math.floor((performance.now() - t0) / intervalMs) + 1);
    while (scheduled < due) {
      const at = t0 + scheduled * intervalMs;
      scheduled++;
      if (outstanding >= o.maxOutstanding) result.dropped++;
      else send(at);
    }
    // ~1 ms ticks: fine enough for thousands of req/s without spinning a core.
    await new Promise((r) => setTimeout(r, 1));
  }
  if (outstanding > 0) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([new Promise<void>((r) => (idle = r)), new Promise<void>((r) => (timer = setTimeout(r, o.timeoutMs + 1000)))]);
    clearTimeout(timer);
  }
  // Still unanswered after the grace: lost, whatever the reason.
  if (outstanding > 0) result.errors['NO_ANSWER'] = outstanding;
  agent.destroy();

  const round = (x: number): number => Number(x.toFixed(3));
  const sortedAccepted = Float64Array.from(accepted).sort();
  const sortedRefusals = Float64Array.from(refusals).sort();
  const end = lastDone > t0 ? lastDone : performance.now();
  result.duration_s = round((end - t0) / 1000);
  result.accepted_rps = round(result.accepted / Math.max(1e-9, o.durationS));
  result.accepted_p50_ms = round(percentile(sortedAccepted, 50));
  result.accepted_p99_ms = round(percentile(sortedAccepted, 99));
  result.accepted_max_ms = round(sortedAccepted.length ? sortedAccepted[sortedAccepted.length - 1]! : 0);
  result.refusal_p50_ms = round(percentile(sortedRefusals, 50));
  result.refusal_p99_ms = round(percentile(sortedRefusals, 99));
  result.refusal_max_ms = round(sortedRefusals.length ? sortedRefusals[sortedRefusals.length - 1]! : 0);
  return result;
}
