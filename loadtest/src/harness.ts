/**
 * The load generator: closed loop (N workers sending back to back) and fixed
 * arrival rate (open loop), both bounded by a request count and a duration,
 * with a warm-up whose requests are not counted.
 *
 * Written here rather than taken from autocannon & co. because one harness
 * must drive in-process ORT, gRPC and HTTP targets with the same accounting;
 * HTTP-only tools cannot give side-by-side figures.
 */

/** One request against a target; rejects when the request failed. */
export type SendFn = () => Promise<void>;

/** A failure with a stable code (HTTP status, gRPC status name ...). */
export class RequestFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RequestFailure';
  }
}

interface ScenarioBase {
  /** Free-form name printed in the result (e.g. `grpc-predict`). */
  scenario: string;
  /** Stop after this many measured requests were started. */
  maxRequests: number;
  /** Stop starting measured requests after this long. */
  durationS: number;
  /** Load applied before measuring; its requests are not counted. Default 0. */
  warmupS?: number;
  /** Rows (examples) carried by one request, for `rows_per_s`. Default 1. */
  rowsPerRequest?: number;
  /** How long to wait for in-flight requests at the end; the rest count as `DRAIN_TIMEOUT`. Default 10 s. */
  drainTimeoutMs?: number;
}

export interface ClosedLoopScenario extends ScenarioBase {
  mode: 'closed';
  concurrency: number;
}

export interface OpenLoopScenario extends ScenarioBase {
  mode: 'open';
  /** Requests started per second, on a fixed schedule whatever the completions. */
  rateRps: number;
  /** Most requests in flight; a scheduled request past it is dropped (counted, not sent). */
  maxOutstanding: number;
}

export type Scenario = ClosedLoopScenario | OpenLoopScenario;

export interface ScenarioResult {
  scenario: string;
  mode: 'closed' | 'open';
  concurrency?: number;
  rate?: number;
  /** Measured requests sent (ok + errors). */
  requests: number;
  ok: number;
  /** Failed requests by code. */
  errors: Record<string, number>;
  /** Open loop only: scheduled requests not sent because `maxOutstanding` were in flight. */
  dropped?: number;
  /** Successful requests per second over the measured window. */
  throughput_rps: number;
  rows_per_s: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  mean_ms: number;
  max_ms: number;
  /** From the end of the warm-up to the completion of the last measured request. */
  duration_s: number;
}

/** Maps a thrown value to the code it is counted under. */
export function errorCode(err: unknown): string {
  if (err instanceof RequestFailure) return err.code;
  if (typeof err === 'object' && err !== null) {
    const e = err as { kind?: unknown; code?: unknown; name?: unknown };
    // L1g1Error (gRPC statuses decoded at the client edge) carries `kind`.
    if (typeof e.kind === 'string') return e.kind;
    if (typeof e.code === 'string') return e.code;
    if (typeof e.code === 'number') return `CODE_${e.code}`;
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'TIMEOUT';
  }
  return 'UNKNOWN';
}

/** Nearest-rank percentile of an ascending array (0 when empty). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

const nowNs = (): bigint => process.hrtime.bigint();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Latencies in ms of successful requests. A growable Float64Array: exact
 * percentiles, no per-sample allocation (runs are bounded by `maxRequests`).
 */
class LatencyRecorder {
  private samples = new Float64Array(1024);
  private n = 0;

  add(ms: number): void {
    if (this.n === this.samples.length) {
      const bigger = new Float64Array(this.samples.length * 2);
      bigger.set(this.samples);
      this.samples = bigger;
    }
    this.samples[this.n++] = ms;
  }

  sorted(): Float64Array {
    return this.samples.slice(0, this.n).sort();
  }
}

/** What both loops share: counting, the measured window, the drain. */
class Run {
  readonly latencies = new LatencyRecorder();
  readonly errors: Record<string, number> = {};
  ok = 0;
  failed = 0;
  /** Measured requests started. */
  started = 0;
  inFlight = 0;
  /** Measured requests not answered yet. */
  measuredInFlight = 0;
  measureStartNs = 0n;
  lastDoneNs = 0n;
  /** Set once the result is taken: late answers of abandoned requests are ignored. */
  private finished = false;
  private idle: (() => void) | undefined;

  constructor(readonly scenario: Scenario) {}

  /** Whether a request starting now is still in the measured window. */
  canStartMeasured(): boolean {
    const elapsedS = Number(nowNs() - this.measureStartNs) / 1e9;
    return this.started < this.scenario.maxRequests && elapsedS < this.scenario.durationS;
  }

  /**
   * Sends one request. `measured`: counted in the result; `fromNs`: when the
   * latency clock starts (the scheduled time in open loop, so a late start
   * counts against the system, not hidden by it).
   */
  async send(send: SendFn, measured: boolean, fromNs: bigint): Promise<void> {
    if (measured) {
      this.started++;
      this.measuredInFlight++;
    }
    this.inFlight++;
    let failure: unknown;
    let failed = false;
    try {
      await send();
    } catch (err) {
      failed = true;
      failure = err;
    }
    this.inFlight--;
    if (measured && !this.finished) {
      this.measuredInFlight--;
      const done = nowNs();
      this.lastDoneNs = done;
      if (failed) {
        this.failed++;
        const code = errorCode(failure);
        this.errors[code] = (this.errors[code] ?? 0) + 1;
      } else {
        this.ok++;
        this.latencies.add(Number(done - fromNs) / 1e6);
      }
    }
    if (this.measuredInFlight === 0) this.idle?.();
  }

  /**
   * Waits for the measured requests still in flight; those left after the
   * timeout count as `DRAIN_TIMEOUT`. Ends the run's accounting.
   */
  async drain(): Promise<void> {
    if (this.finished) return;
    if (this.measuredInFlight > 0) {
      const timeoutMs = this.scenario.drainTimeoutMs ?? 10_000;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((r) => (this.idle = r)),
        new Promise<void>((r) => (timer = setTimeout(r, timeoutMs))),
      ]);
      clearTimeout(timer);
      this.idle = undefined;
    }
    if (this.measuredInFlight > 0) {
      this.errors['DRAIN_TIMEOUT'] = (this.errors['DRAIN_TIMEOUT'] ?? 0) + this.measuredInFlight;
      this.failed += this.measuredInFlight;
      this.measuredInFlight = 0;
      this.lastDoneNs = nowNs();
    }
    this.finished = true;
  }

  result(extra: Pick<ScenarioResult, 'concurrency' | 'rate' | 'dropped'>): ScenarioResult {
    const sorted = this.latencies.sorted();
    const end = this.lastDoneNs > this.measureStartNs ? this.lastDoneNs : nowNs();
    const durationS = Number(end - this.measureStartNs) / 1e9;
    const rows = this.scenario.rowsPerRequest ?? 1;
    let sum = 0;
    for (const v of sorted) sum += v;
    const round = (x: number, digits: number): number => Number(x.toFixed(digits));
    return {
      scenario: this.scenario.scenario,
      mode: this.scenario.mode,
      ...extra,
      requests: this.ok + this.failed,
      ok: this.ok,
      errors: this.errors,
      throughput_rps: round(durationS > 0 ? this.ok / durationS : 0, 1),
      rows_per_s: round(durationS > 0 ? (this.ok * rows) / durationS : 0, 1),
      p50_ms: round(percentile(sorted, 50), 3),
      p95_ms: round(percentile(sorted, 95), 3),
      p99_ms: round(percentile(sorted, 99), 3),
      mean_ms: round(sorted.length ? sum / sorted.length : 0, 3),
      max_ms: round(sorted.length ? sorted[sorted.length - 1]! : 0, 3),
      duration_s: round(durationS, 3),
    };
  }
}

function validate(s: Scenario): void {
  const positive = (v: number, name: string): void => {
    if (!(Number.isFinite(v) && v > 0)) throw new RangeError(`${name} must be a positive number, got ${v}`);
  };
  positive(s.maxRequests, 'maxRequests');
  positive(s.durationS, 'durationS');
  if (s.warmupS !== undefined && !(s.warmupS >= 0)) throw new RangeError(`warmupS must be >= 0, got ${s.warmupS}`);
  if (s.mode === 'closed') {
    if (!Number.isInteger(s.concurrency) || s.concurrency < 1) throw new RangeError(`concurrency must be an integer >= 1, got ${s.concurrency}`);
  } else {
    positive(s.rateRps, 'rateRps');
    if (!Number.isInteger(s.maxOutstanding) || s.maxOutstanding < 1) throw new RangeError(`maxOutstanding must be an integer >= 1, got ${s.maxOutstanding}`);
  }
}

/**
 * N workers, each sending its next request when the previous one answers.
 * Workers keep going from the warm-up into the measured window, so the
 * measurement starts at steady state.
 */
async function runClosed(s: ClosedLoopScenario, send: SendFn): Promise<ScenarioResult> {
  const run = new Run(s);
  const warmupEndNs = nowNs() + BigInt(Math.round((s.warmupS ?? 0) * 1e9));
  run.measureStartNs = warmupEndNs;
  let windowClosed!: () => void;
  const closed = new Promise<void>((r) => (windowClosed = r));
  const worker = async (): Promise<void> => {
    for (;;) {
      const t = nowNs();
      if (t < warmupEndNs) {
        await run.send(send, false, t);
        continue;
      }
      if (!run.canStartMeasured()) break;
      await run.send(send, true, t);
    }
    windowClosed();
  };
  const workers = Array.from({ length: s.concurrency }, worker);
  // Once the window closes, a stuck request must not hold the run forever.
  await closed;
  await run.drain();
  // Workers whose requests were answered have stopped by now; stuck ones are abandoned.
  void Promise.allSettled(workers);
  return run.result({ concurrency: s.concurrency });
}

/**
 * Requests start on a fixed schedule (request i at t0 + i / rate) whatever
 * the completions; latency is measured from the scheduled time. A timer
 * tick catches up on every start that fell due since the last tick.
 */
async function runOpen(s: OpenLoopScenario, send: SendFn): Promise<ScenarioResult> {
  const run = new Run(s);
  const t0 = nowNs();
  const warmupNs = BigInt(Math.round((s.warmupS ?? 0) * 1e9));
  run.measureStartNs = t0 + warmupNs;
  const intervalNs = 1e9 / s.rateRps;
  const endNs = run.measureStartNs + BigInt(Math.round(s.durationS * 1e9));
  let scheduled = 0;
  let dropped = 0;
  for (let stop = false; !stop; ) {
    const due = Math.floor(Number(nowNs() - t0) / intervalNs) + 1;
    while (scheduled < due) {
      // The window is judged on the schedule, not on when the tick ran.
      const at = t0 + BigInt(Math.round(scheduled * intervalNs));
      if (at >= endNs || run.started >= s.maxRequests) {
        stop = true;
        break;
      }
      scheduled++;
      const measured = at >= run.measureStartNs;
      if (run.inFlight >= s.maxOutstanding) {
        if (measured) dropped++;
        continue;
      }
      void run.send(send, measured, at);
    }
    // ~1 ms ticks: fine enough for thousands of req/s without spinning a core.
    if (!stop) await sleep(1);
  }
  await run.drain();
  return run.result({ rate: s.rateRps, dropped });
}

/** Runs one scenario against `send` and returns its figures. */
export async function runScenario(scenario: Scenario, send: SendFn): Promise<ScenarioResult> {
  validate(scenario);
  return scenario.mode === 'closed' ? runClosed(scenario, send) : runOpen(scenario, send);
}
