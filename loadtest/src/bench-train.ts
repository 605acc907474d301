/**
 * `npm run bench:train [-- --models mlp,cnn,gru_lm,text --backends tensorflow,wasm[,cpu]
 *   --max-steps 40 --max-seconds 8 --no-torch --no-profile --no-recovery --no-text-corpus --python /usr/bin/python3]`:
 * training samples/s per model (dense MLP, small CNN, GRU char LM, hashed-n-gram text
 * classifier) and tfjs backend, through the trainer's own `train()` loop and AdamW, side by side
 * with the same networks in PyTorch in the same run (one thread: OPENBLAS_NUM_THREADS=1,
 * torch.set_num_threads(1)) when a python3 with torch is found, and the ratio per model. Then a
 * per-step profile (featurizer / forward+backward / optimizer, heaviest kernels). Then the
 * SIGKILL recovery case (bench-train-recovery.ts; `--no-recovery` skips it).
 *
 * One JSON line per case: `{"bench":"train",...}`, `{"bench":"train-torch",...}`,
 * `{"bench":"train-ratio",...}`, `{"bench":"train-profile",...}`,
 * `{"bench":"train-recovery",...}`, `{"bench":"train-text-corpus",...}` (the trainer's own text
 * classifier on the SpamAssassin mails: featurize mails/s, train samples/s). Bounded: every case stops
 * after --max-steps timed steps or --max-seconds, whichever comes first (a single step in
 * progress finishes; the corpus case by the corpus: 2 epochs over at most 6,046 mails, about
 * 20 s of one core);
 * backends that do not load are reported as skipped.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, loadavg, platform, release } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { AdamW, registerWasmKernels, train, WASM_KERNELS } from '@l1g1/trainer';
import { buildBenchModel, DEFAULT_SHAPES, MODEL_NAMES, type ModelName } from './bench-train-models';
import { profileStep } from './bench-train-profile';
import { benchTextCorpus } from './bench-train-text';

type BackendName = 'tensorflow' | 'wasm' | 'cpu';
const BACKENDS: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

const { values: args } = parseArgs({
  options: {
    models: { type: 'string', default: MODEL_NAMES.join(',') },
    // the plain cpu backend is opt-in: one CNN step takes tens of seconds on it (see the draft)
    backends: { type: 'string', default: 'tensorflow,wasm' },
    'max-steps': { type: 'string', default: '40' },
    'max-seconds': { type: 'string', default: '8' },
    warmup: { type: 'string', default: '3' },
    'profile-repeats': { type: 'string', default: '3' },
    python: { type: 'string' },
    'no-torch': { type: 'boolean', default: false },
    'no-profile': { type: 'boolean', default: false },
    'no-recovery': { type: 'boolean', default: false },
    // the real text classifier on the SpamAssassin corpus (bench-train-text.ts); with `text` in --models
    'no-text-corpus': { type: 'boolean', default: false },
  },
});

function positive(name: string, raw: string | undefined): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${raw}`);
  return n;
}

function pick<T extends string>(flag: string, raw: string, allowed: readonly T[]): T[] {
  const chosen = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const c of chosen) if (!(allowed as readonly string[]).includes(c)) throw new Error(`--${flag}: unknown ${c}; one of ${allowed.join(', ')}`);
  return chosen as T[];
}

const models = pick('models', args.models ?? '', MODEL_NAMES);
const backends = pick('backends', args.backends ?? '', BACKENDS);
const maxSteps = Math.floor(positive('max-steps', args['max-steps']));
const maxSeconds = positive('max-seconds', args['max-seconds']);
const warmup = Math.floor(positive('warmup', args.warmup));
const profileRepeats = Math.floor(positive('profile-repeats', args['profile-repeats']));

function emit(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** Activates a tfjs backend; `undefined` when it cannot load here (the reason is emitted). */
async function activate(name: BackendName): Promise<string | undefined> {
  try {
    if (name === 'tensorflow') require('@tensorflow/tfjs-node');
    if (name === 'wasm') {
      require('@tensorflow/tfjs-backend-wasm');
      registerWasmKernels(tf, WASM_KERNELS);
    }
    if (!(await tf.setBackend(name))) return 'did not start';
    return undefined;
  } catch (err: unknown) {
    const code = (err as { code?: unknown }).code;
    return code === 'MODULE_NOT_FOUND' ? 'not installed' : 'failed to load';
  }
}

interface CaseResult {
  samplesPerSec: number | undefined;
}

/** Samples/s of `train()` on one model and the active backend, then the step profile. */
async function runCase(name: ModelName, backend: BackendName): Promise<CaseResult> {
  const model = buildBenchModel(name, DEFAULT_SHAPES, 16);
  const optimizer = new AdamW({ learningRate: 5e-5 });
  const total = warmup + maxSteps;
  const abort = new AbortController();
  let timedFrom = 0;
  let lastAt = 0;
  let steps = 0;
  const startedAt = performance.now();
  const deadline = startedAt + maxSeconds * 1000;
  try {
    await train(
      {
        epochs: Math.ceil(total / 16) + 1,
        batchSize: model.batch,
        optimizer,
        seed: 42,
        shuffleBuffer: model.examples.length,
        signal: abort.signal,
        onStep: () => {
          steps += 1;
          const at = performance.now();
          if (steps === warmup) timedFrom = at; // the first steps compile wasm paths and grow the heap
          lastAt = at;
          if (steps >= total || (steps > warmup && at > deadline)) abort.abort();
        },
      },
      model,
      async function* () {
        yield* model.examples;
      },
    );
    const timed = steps - warmup;
    const seconds = (lastAt - timedFrom) / 1000;
    const samplesPerSec = timed > 0 && seconds > 0 ? (timed * model.batch) / seconds : undefined;
    emit({
      bench: 'train',
      model: name,
      backend,
      parameters: model.parameters,
      batch: model.batch,
      steps: Math.max(timed, 0),
      seconds: Math.round(seconds * 1000) / 1000,
      samples_per_s: samplesPerSec === undefined ? null : Math.round(samplesPerSec * 10) / 10,
      warmup_s: Math.round((timedFrom - startedAt) / 10) / 100,
    });
    if (!args['no-profile'] && timed > 0) {
      emit({ bench: 'train-profile', model: name, backend, ...(await profileStep(model, optimizer, profileRepeats)) });
    }
    return { samplesPerSec };
  } finally {
    optimizer.dispose();
    tf.dispose(Object.values(model.weights));
  }
}

/** A python3 that imports torch: --python, else `python3`, else Debian's /usr/bin/python3 (python3-torch). */
function findTorchPython(): string | undefined {
  const candidates = args.python !== undefined ? [args.python] : ['python3', '/usr/bin/python3'];
  for (const py of candidates) {
    if (py.startsWith('/') && !existsSync(py)) continue;
    const probe = spawnSync(py, ['-c', 'import torch'], { timeout: 60_000, stdio: 'ignore' });
    if (probe.status === 0) return py;
  }
  return undefined;
}

/** The PyTorch side: the same shapes, one thread, the same step and time budget. */
function runTorch(py: string): Map<string, number> {
  const script = join(__dirname, '..', 'python', 'bench_train_torch.py');
  const config = { models, shapes: DEFAULT_SHAPES, max_steps: maxSteps, max_seconds: maxSeconds, warmup };
  const run = spawnSync(py, [script, JSON.stringify(config)], {
    env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
    encoding: 'utf8',
    timeout: (maxSeconds + 60) * 1000 * models.length,
  });
  const rates = new Map<string, number>();
  for (const line of run.stdout.split('\n')) {
    if (line.trim() === '') continue;
    const parsed = JSON.parse(line) as { model: string; samples_per_s: number | null };
    emit({ bench: 'train-torch', ...parsed });
    if (parsed.samples_per_s !== null) rates.set(parsed.model, parsed.samples_per_s);
  }
  if (run.status !== 0) emit({ bench: 'train-torch', error: `exit ${run.status}`, stderr_tail: run.stderr.slice(-400) });
  return rates;
}

async function main(): Promise<void> {
  emit({
    bench: 'train-machine',
    cpus: cpus().length,
    cpu_model: cpus()[0]?.model ?? 'unknown',
    loadavg_1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    platform: `${platform()} ${release()}`,
    node: process.version,
    tfjs: tf.version_core,
    date: new Date().toISOString(),
  });
  const ours = new Map<string, number>(); // `${model}/${backend}` → samples/s
  for (const backend of backends) {
    const skipped = await activate(backend);
    if (skipped !== undefined) {
      emit({ bench: 'train', backend, skipped });
      continue;
    }
    for (const name of models) {
      const r = await runCase(name, backend);
      if (r.samplesPerSec !== undefined) ours.set(`${name}/${backend}`, r.samplesPerSec);
    }
  }
  // PyTorch right after the tfjs cases, so that both sides see about the same machine load
  if (!args['no-torch']) compareWithTorch(ours);
  if (models.includes('text') && !args['no-text-corpus']) emit(await benchTextCorpus());
  if (!args['no-recovery']) {
    // in its own process tree: it SIGKILLs a trainer child and must not share this one's tfjs state
    spawnSync(process.execPath, [join(__dirname, 'bench-train-recovery.js')], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 180_000 });
  }
}

function compareWithTorch(ours: ReadonlyMap<string, number>): void {
  const py = findTorchPython();
  if (py === undefined) {
    emit({ bench: 'train-torch', skipped: 'no python3 with torch (Debian: apt-get install python3-torch)' });
    return;
  }
  const torch = runTorch(py);
  for (const name of models) {
    const reference = torch.get(name);
    if (reference === undefined) continue;
    for (const backend of backends) {
      const mine = ours.get(`${name}/${backend}`);
      if (mine === undefined) continue;
      emit({ bench: 'train-ratio', model: name, backend, tfjs_samples_per_s: Math.round(mine * 10) / 10, pytorch_samples_per_s: reference, ratio: Math.round((mine / reference) * 1000) / 1000 });
    }
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
