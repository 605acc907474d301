import { context, trace, type Context } from '@opentelemetry/api';
import { decodeBytesElements, encodeBytesElements, errors, type OipDatatype } from '@l1g1/kit';
import type { ModelRunner } from './ports';
import type { InferResult, RawTensor, Signature } from './types';
import type { OrtType, WireTensor } from './wire-tensor';

export interface BatcherOptions {
  /** Most rows in one model run. */
  maxBatchSize: number;
  /**
   * Longest a partial batch is held back to let it fill (µs). 0: dispatch as
   * soon as a worker is free; batches then form from the requests that
   * arrived while the workers were busy (lowest latency at low load, full
   * batches under load).
   */
  maxQueueDelayUs: number;
  /** Most requests waiting; beyond it requests are refused (RESOURCE_EXHAUSTED). */
  maxQueueSize: number;
  /**
   * Refuse a request whose estimated wait (batches ahead of it times the
   * recent batch compute time) exceeds this, so that admitted requests keep
   * their latency under overload. 0: no such bound.
   */
  maxQueueWaitUs?: number;
  /** false: every request runs on its own (batch = that request). */
  enabled: boolean;
}

/** Which model a batcher serves (for spans and metrics). */
export interface ModelIdentity {
  name: string;
  version: number;
  precision: number;
  /** Human form of the precision, e.g. fp32. */
  precisionName: string;
}

/** Told about every answered or refused request (metrics live outside the domain). */
export interface BatchObserver {
  answered(model: ModelIdentity, timing: InferResult['timing']): void;
  refused(model: ModelIdentity, reason: 'queue_full' | 'queue_wait' | 'cancelled'): void;
}

export interface BatcherStats {
  queued: number;
  requests: number;
  batches: number;
  rejected: number;
}

interface Item {
  inputs: RawTensor[];
  rows: number;
  key: string;
  outputNames: string[];
  enqueuedNs: bigint;
  ctx: Context;
  resolve: (r: InferResult) => void;
  reject: (e: unknown) => void;
}

const ORT_TYPE: Partial<Record<OipDatatype, OrtType>> = {
  FP32: 'float32',
  FP16: 'float16',
  FP64: 'float64',
  INT8: 'int8',
  UINT8: 'uint8',
  INT16: 'int16',
  UINT16: 'uint16',
  INT32: 'int32',
  UINT32: 'uint32',
  INT64: 'int64',
  UINT64: 'uint64',
  BOOL: 'bool',
  BYTES: 'string',
};

const OIP_TYPE = new Map<OrtType, OipDatatype>(Object.entries(ORT_TYPE).map(([k, v]) => [v, k as OipDatatype]));

export function ortTypeOf(dt: OipDatatype): OrtType | undefined {
  return ORT_TYPE[dt];
}

const tracer = trace.getTracer('l1g1-inference');

/**
 * Dynamic batcher for one loaded model. A free worker takes the oldest
 * request and every compatible one queued behind it, up to `maxBatchSize`
 * rows; with `maxQueueDelayUs` > 0 it first waits (at most that long) for
 * the batch to fill. While workers are busy requests pile up, so batches
 * grow with load by themselves. Requests whose
 * non-batch dimensions differ ride in separate batches. The queue is bounded;
 * past it a request is refused at once with a Retry-After hint.
 */
export class DynamicBatcher {
  private readonly queue: Item[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running = 0;
  /** Rows waiting in `queue` (kept up to date, so admission is O(1) per request). */
  private queuedRows = 0;
  private readonly batchable: boolean;
  private avgComputeUs = 1000;
  readonly stats: BatcherStats = { queued: 0, requests: 0, batches: 0, rejected: 0 };

  constructor(
    private readonly runner: ModelRunner,
    signature: Signature,
    readonly options: BatcherOptions,
    private readonly identity: ModelIdentity = { name: '', version: 0, precision: 0, precisionName: '' },
    private readonly observer?: BatchObserver,
  ) {
    // Rows can only be stacked when every tensor's first dimension is dynamic.
    this.batchable =
      options.enabled &&
      [...signature.inputs, ...signature.outputs].every((t) => t.shape.length > 0 && t.shape[0] === -1);
  }

  get queued(): number {
    return this.queue.length;
  }

  /** Requests queued or running. */
  get pending(): number {
    return this.queue.length + this.running;
  }

  /**
   * Queues one request. When `signal` aborts (the caller cancelled or its
   * deadline passed) while it still waits, it leaves the queue unrun.
   */
  submit(inputs: RawTensor[], outputNames: string[], signal?: AbortSignal): Promise<InferResult> {
    if (signal?.aborted) throw errors.cancelled('request cancelled before it was queued');
    if (this.queue.length >= this.options.maxQueueSize) {
      this.stats.rejected++;
      this.observer?.refused(this.identity, 'queue_full');
      const retryAfterMs = Math.max(1, Math.ceil((this.avgComputeUs * (this.queue.length / Math.max(1, this.options.maxBatchSize) + 1)) / 1000));
      throw errors.resourceExhausted(
        `inference queue is full (${this.options.maxQueueSize} requests waiting); retry after ${retryAfterMs} ms`,
        retryAfterMs,
        { reason: 'QUEUE_FULL' },
      );
    }
    const rows = inputs[0]?.shape[0] ?? 1;
    const maxWaitUs = this.options.maxQueueWaitUs ?? 0;
    if (maxWaitUs > 0) {
      const waitUs = this.estimatedWaitUs();
      if (waitUs > maxWaitUs) {
        this.stats.rejected++;
        this.observer?.refused(this.identity, 'queue_wait');
        const retryAfterMs = Math.max(1, Math.ceil((waitUs - maxWaitUs) / 1000));
        throw errors.resourceExhausted(
          `inference is overloaded: a new request would wait ~${Math.round(waitUs / 1000)} ms (limit ${Math.round(maxWaitUs / 1000)} ms); retry after ${retryAfterMs} ms`,
          retryAfterMs,
          { reason: 'QUEUE_WAIT' },
        );
      }
    }
    this.stats.requests++;
    const key = inputs.map((t) => `${t.datatype}:${t.shape.slice(1).join('x')}`).join('|') + `>${outputNames.join(',')}`;
    return new Promise<InferResult>((resolve, reject) => {
      const item: Item = {
        inputs,
        rows,
        key,
        outputNames,
        enqueuedNs: process.hrtime.bigint(),
        ctx: context.active(),
        resolve,
        reject,
      };
      this.queue.push(item);
      this.queuedRows += rows;
      signal?.addEventListener(
        'abort',
        () => {
          const at = this.queue.indexOf(item);
          if (at < 0) return; // already running: it finishes, the answer is dropped upstream
          this.queue.splice(at, 1);
          this.queuedRows -= item.rows;
          this.stats.queued = this.queue.length;
          this.observer?.refused(this.identity, 'cancelled');
          reject(errors.cancelled('request cancelled while queued'));
        },
        { once: true },
      );
      this.stats.queued = this.queue.length;
      this.pump();
    });
  }

  /** Batches ahead of a new request (queued ones, plus the running ones if every worker is busy) times the recent compute time. */
  private estimatedWaitUs(): number {
    const batchesAhead = this.batchable ? Math.ceil(this.queuedRows / this.options.maxBatchSize) : this.queue.length;
    const waves = Math.ceil(batchesAhead / this.runner.workers) + (this.running >= this.runner.workers ? 1 : 0);
    return waves * this.avgComputeUs;
  }

  /** Resolves when nothing is queued or running (used before unloading). */
  async drain(pollMs = 5): Promise<void> {
    while (this.pending > 0) await new Promise((r) => setTimeout(r, pollMs));
  }

  private pump(): void {
    while (this.queue.length > 0 && this.running < this.runner.workers) {
      const first = this.queue[0]!;
      if (this.batchable) {
        const waitedUs = Number(process.hrtime.bigint() - first.enqueuedNs) / 1000;
        let rows = 0;
        for (const it of this.queue) if (it.key === first.key) rows += it.rows;
        if (rows < this.options.maxBatchSize && waitedUs < this.options.maxQueueDelayUs) {
          this.arm(this.options.maxQueueDelayUs - waitedUs);
          return;
        }
      }
      this.dispatch(this.take());
    }
  }

  private arm(delayUs: number): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, Math.max(0, delayUs / 1000));
  }

  /** Takes the oldest request and every compatible one that fits. */
  private take(): Item[] {
    const first = this.queue.shift()!;
    this.queuedRows -= first.rows;
    const batch = [first];
    if (this.batchable) {
      let rows = first.rows;
      for (let i = 0; i < this.queue.length && rows < this.options.maxBatchSize; ) {
        const it = this.queue[i]!;
        if (it.key === first.key && rows + it.rows <= this.options.maxBatchSize) {
          batch.push(it);
          rows += it.rows;
          this.queue.splice(i, 1);
          this.queuedRows -= it.rows;
        } else i++;
      }
    }
    this.stats.queued = this.queue.length;
    return batch;
  }

  private dispatch(batch: Item[]): void {
    this.running++;
    this.stats.batches++;
    if (this.timer && this.queue.length === 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const startedNs = process.hrtime.bigint();
    const totalRows = batch.reduce((n, it) => n + it.rows, 0);
    const first = batch[0]!;
    let feeds: Record<string, WireTensor>;
    try {
      feeds = stack(batch.map((it) => it.inputs), totalRows);
    } catch (err) {
      this.running--;
      for (const it of batch) it.reject(err);
      this.pump();
      return;
    }
    this.runner.run(feeds, first.outputNames).then(
      (result) => {
        this.running--;
        this.avgComputeUs = this.avgComputeUs * 0.8 + result.computeUs * 0.2;
        let offset = 0;
        for (const it of batch) {
          try {
            const outputs = first.outputNames.map((name) => slice(name, result.outputs[name], offset, it.rows, totalRows));
            const timing = {
              queueUs: Math.round(Number(startedNs - it.enqueuedNs) / 1000),
              computeUs: result.computeUs,
              batchSize: totalRows,
            };
            this.observer?.answered(this.identity, timing);
            it.resolve({ outputs, timing });
          } catch (err) {
            it.reject(err);
          }
          offset += it.rows;
          // The span covers the model run as the worker measured it (its own
          // clock, epoch-based), as a child of the request's span.
          tracer
            .startSpan(
              'ort.run',
              {
                startTime: result.startedAtMs,
                attributes: {
                  'l1g1.model': this.identity.name,
                  'l1g1.model_version': this.identity.version,
                  'l1g1.precision': this.identity.precisionName,
                  'l1g1.batch_size': totalRows,
                  'l1g1.queue_us': Math.round(Number(startedNs - it.enqueuedNs) / 1000),
                  'l1g1.compute_us': result.computeUs,
                },
              },
              it.ctx,
            )
            .end(result.endedAtMs);
        }
        this.pump();
      },
      (err: unknown) => {
        this.running--;
        for (const it of batch) it.reject(err);
        this.pump();
      },
    );
  }
}

/** Concatenates each input along the first dimension into a transferable buffer. */
function stack(requests: RawTensor[][], totalRows: number): Record<string, WireTensor> {
  const feeds: Record<string, WireTensor> = {};
  const first = requests[0]!;
  for (let i = 0; i < first.length; i++) {
    const spec = first[i]!;
    const type = ORT_TYPE[spec.datatype];
    if (!type) throw errors.invalidArgument(spec.name, `datatype ${spec.datatype} is not supported by onnxruntime`);
    const dims = [requests.length === 1 ? spec.shape[0]! : totalRows, ...spec.shape.slice(1)];
    if (type === 'string') {
      const strings = requests.flatMap((r) => decodeBytesElements(r[i]!.data).map((b) => b.toString('utf8')));
      feeds[spec.name] = { type, dims, data: strings };
      continue;
    }
    const total = requests.reduce((n, r) => n + r[i]!.data.byteLength, 0);
    // A fresh ArrayBuffer (never Node's shared pool) so it can be transferred.
    const buf = new ArrayBuffer(total);
    const view = new Uint8Array(buf);
    let off = 0;
    for (const r of requests) {
      const d = r[i]!.data;
      view.set(d, off);
      off += d.byteLength;
    }
    feeds[spec.name] = { type, dims, data: buf };
  }
  return feeds;
}

function slice(name: string, t: WireTensor | undefined, rowOffset: number, rows: number, totalRows: number): RawTensor {
  if (!t) throw errors.internal(`model produced no output "${name}"`);
  const datatype = OIP_TYPE.get(t.type);
  if (!datatype) throw errors.internal(`output "${name}" has unsupported type ${t.type}`);
  const whole = t.dims[0] === totalRows;
  const shape = whole ? [rows, ...t.dims.slice(1)] : [...t.dims];
  if (t.type === 'string') {
    const all = t.data as string[];
    const per = whole ? all.length / totalRows : all.length;
    const items = whole ? all.slice(rowOffset * per, (rowOffset + rows) * per) : all;
    return { name, datatype, shape, data: encodeBytesElements(items) };
  }
  const buf = t.data as ArrayBuffer;
  if (!whole) return { name, datatype, shape, data: Buffer.from(buf) };
  const rowBytes = buf.byteLength / totalRows;
  return { name, datatype, shape, data: Buffer.from(buf, rowOffset * rowBytes, rows * rowBytes) };
}
