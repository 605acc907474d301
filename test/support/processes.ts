/**
 * Real child processes for the replica scenarios: the built services
 * (`services/<svc>/dist/main.js`, `gateway/dist/main.js`) and test fixture
 * scripts, each started with its own environment, waited on until healthy,
 * killed for real (SIGTERM or SIGKILL), and always cleaned up.
 *
 * Why child processes and not `startStack()` in this process: a replica
 * scenario is about what survives a process's death (SIGKILL leaves no
 * `finally` to run, no socket to close politely) and about state that can
 * only travel through PostgreSQL and the S3 server, never through memory
 * shared by accident.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { credentials, Metadata } from '@grpc/grpc-js';
import { health } from '@l1g1/contracts';

const REPO_ROOT = resolve(__dirname, '..', '..');
/** Output kept per process for failure reports: the tail, bounded. */
const MAX_OUTPUT_CHARS = 256 * 1024;
/** Lines kept for `waitForLine` and `lines()`: bounded too (the scenarios print far fewer). */
const MAX_LINES = 20_000;
const DEFAULT_START_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One child process and what it printed. */
export interface ChildHandle {
  readonly name: string;
  readonly pid: number;
  /** Resolves once the process has exited (never rejects). */
  readonly exited: Promise<ProcessExit>;
  isRunning(): boolean;
  /** The tail of stdout and stderr, interleaved as received. */
  output(): string;
  /** Complete stdout lines so far (at most MAX_LINES, oldest dropped first). */
  lines(): readonly string[];
  /**
   * Resolves with the first value `match` returns for a stdout line, past or
   * future; rejects when the process exits first or after `timeoutMs`.
   */
  waitForLine<T>(what: string, match: (line: string) => T | undefined, timeoutMs?: number): Promise<T>;
  /** Sends `signal` and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<ProcessExit>;
  /** SIGTERM, then SIGKILL after a grace period; resolves when gone. */
  stop(): Promise<ProcessExit>;
}

export interface SpawnOptions {
  /** Node script to run, relative to the repository root or absolute. */
  script: string;
  args?: readonly string[];
  /** Added to the base environment (see `childEnv`). */
  env?: Record<string, string>;
  /** Node flags, e.g. `['--import', 'tsx']` for a TypeScript fixture. */
  execArgv?: readonly string[];
}

/**
 * The environment a child starts from: this process's, minus every L1G1_*,
 * AWS_* and OTEL_* variable, so a developer's shell cannot point a replica
 * at their own database or bucket; the scenario adds what it means.
 */
export function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || /^(L1G1_|AWS_|OTEL_)/.test(k)) continue;
    base[k] = v;
  }
  return { ...base, L1G1_LOG_LEVEL: 'info', ...extra };
}

/** Starts a node process; its output is collected from the first byte. */
export function spawnNodeProcess(name: string, options: SpawnOptions): ChildHandle {
  const script = resolve(REPO_ROOT, options.script);
  if (!existsSync(script)) throw new Error(`${name}: ${script} does not exist (run \`npm run build\` first)`);
  const child: ChildProcess = spawn(process.execPath, [...(options.execArgv ?? []), script, ...(options.args ?? [])], {
    cwd: REPO_ROOT,
    env: childEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`${name}: could not be spawned`);
  let output = '';
  const lines: string[] = [];
  let partial = '';
  const listeners = new Set<(line: string) => void>();
  let exit: ProcessExit | undefined;
  const exited = new Promise<ProcessExit>((done) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      done(exit);
    });
  });
  const keep = (text: string): void => {
    output += text;
    if (output.length > MAX_OUTPUT_CHARS) output = output.slice(output.length - MAX_OUTPUT_CHARS);
  };
  child.stdout?.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    keep(text);
    const parts = (partial + text).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      if (lines.length > MAX_LINES) lines.shift();
      for (const l of [...listeners]) l(line);
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => keep(chunk.toString('utf8')));

  const handle: ChildHandle = {
    name,
    pid: child.pid,
    exited,
    isRunning: () => exit === undefined,
    output: () => output,
    lines: () => lines,
    waitForLine<T>(what: string, match: (line: string) => T | undefined, timeoutMs = DEFAULT_START_TIMEOUT_MS): Promise<T> {
      for (const line of lines) {
        const v = match(line);
        if (v !== undefined) return Promise.resolve(v);
      }
      return new Promise<T>((resolvePromise, reject) => {
        const finish = (): void => {
          clearTimeout(timer);
          listeners.delete(onLine);
        };
        const onLine = (line: string): void => {
          const v = match(line);
          if (v === undefined) return;
          finish();
          resolvePromise(v);
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`${name}: no ${what} within ${timeoutMs} ms; its output:\n${output.slice(-8000)}`));
        }, timeoutMs);
        listeners.add(onLine);
        void exited.then((e) => {
          if (!listeners.has(onLine)) return;
          finish();
          reject(new Error(`${name} exited (${e.code ?? e.signal}) before ${what}; its output:\n${output.slice(-8000)}`));
        });
      });
    },
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (exit) return exit;
      child.kill(signal);
      return exited;
    },
    async stop() {
      if (exit) return exit;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      const e = await exited;
      clearTimeout(timer);
      return e;
    },
  };
  return handle;
}

/** A pino log line's fields, or undefined when the line is not JSON. */
export function parseLogLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const v: unknown = JSON.parse(line);
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Waits until the gRPC server at `address` answers SERVING to grpc.health.v1 (bounded). */
export async function waitForGrpcHealth(address: string, timeoutMs = 30_000): Promise<void> {
  const client = new health.HealthClient(address, credentials.createInsecure());
  const until = Date.now() + timeoutMs;
  let last = '';
  try {
    while (Date.now() < until) {
      const status = await new Promise<string>((done) => {
        client.check({ service: '' }, new Metadata(), { deadline: Date.now() + 2000 }, (err, res) =>
          done(err ? err.message : res.status === health.HealthCheckResponse_ServingStatus.SERVING ? 'SERVING' : `status ${res.status}`),
        );
      });
      if (status === 'SERVING') return;
      last = status;
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    client.close();
  }
  throw new Error(`${address} did not become healthy within ${timeoutMs} ms (last answer: ${last})`);
}

/** Waits until `GET <url>/healthz` answers 200 (bounded). */
export async function waitForHttpHealth(url: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < until) {
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not become healthy within ${timeoutMs} ms (last answer: ${last})`);
}

/** A built service running as a child process. */
export interface ServiceProcess {
  readonly process: ChildHandle;
  /** `host:port` of a gRPC service, or the `http://host:port` of the gateway. */
  readonly address: string;
}

export type ServiceName = 'model-registry' | 'inference' | 'gateway';

const SERVICE_SCRIPTS: Record<ServiceName, string> = {
  'model-registry': join('services', 'model-registry', 'dist', 'main.js'),
  inference: join('services', 'inference', 'dist', 'main.js'),
  gateway: join('gateway', 'dist', 'main.js'),
};

/**
 * Every process a scenario started, stopped together; the output of each is
 * printed when a test failed, so a CI log says what the replicas saw.
 */
export interface ProcessGroup {
  spawn(name: string, options: SpawnOptions): ChildHandle;
  /**
   * Starts a built service bound to port 0 of 127.0.0.1 (its `*_ADDR` /
   * `L1G1_GATEWAY_PORT` set here unless `env` names them), reads the address
   * it logged, and waits for its health check.
   */
  startService(service: ServiceName, name: string, env: Record<string, string>, timeoutMs?: number): Promise<ServiceProcess>;
  /** Every process's output tail, one block each. */
  report(): string;
  stopAll(): Promise<void>;
}

export function createProcessGroup(): ProcessGroup {
  const children: ChildHandle[] = [];
  // A test runner that exits (mocha --exit) without running `after` must not leave replicas behind.
  const killOnExit = (): void => {
    for (const c of children) if (c.isRunning()) process.kill(c.pid, 'SIGKILL');
  };
  process.on('exit', killOnExit);

  const group: ProcessGroup = {
    spawn(name, options) {
      const child = spawnNodeProcess(name, options);
      children.push(child);
      return child;
    },
    async startService(service, name, env, timeoutMs = DEFAULT_START_TIMEOUT_MS) {
      const defaults: Record<string, string> =
        service === 'model-registry'
          ? { L1G1_REGISTRY_ADDR: '127.0.0.1:0' }
          : service === 'inference'
            ? { L1G1_INFERENCE_ADDR: '127.0.0.1:0', L1G1_INFERENCE_METRICS_PORT: '-1' }
            : { L1G1_GATEWAY_PORT: '0', L1G1_HTTP_HOST: '127.0.0.1' };
      // A service bound to port 0 learns its port only once listening: it logs it.
      const child = group.spawn(name, { script: SERVICE_SCRIPTS[service], env: { ...defaults, ...env } });
      const key = service === 'gateway' ? 'url' : 'address';
      const address = await child.waitForLine(
        'its "listening" log line',
        (line) => {
          const log = parseLogLine(line);
          const msg = typeof log?.['msg'] === 'string' ? log['msg'] : '';
          const value = log?.[key];
          return msg.includes('listening') && typeof value === 'string' ? value : undefined;
        },
        timeoutMs,
      );
      if (service === 'gateway') await waitForHttpHealth(address, timeoutMs);
      else await waitForGrpcHealth(address, timeoutMs);
      return { process: child, address };
    },
    report() {
      return children.map((c) => `----- ${c.name} (pid ${c.pid}${c.isRunning() ? '' : ', exited'}) -----\n${c.output().slice(-16_000)}`).join('\n');
    },
    async stopAll() {
      await Promise.all(children.map((c) => c.stop()));
      children.length = 0;
      process.off('exit', killOnExit);
    },
  };
  return group;
}

/**
 * Mocha hooks for a describe block: one process group, stopped after the
 * block (also when a `before` hook failed), with every process's output
 * printed after a failed test.
 */
export function useProcesses(): { readonly group: ProcessGroup } {
  let group: ProcessGroup | undefined;
  const get = (): ProcessGroup => {
    group ??= createProcessGroup();
    return group;
  };
  afterEach(function () {
    if (this.currentTest?.state === 'failed' && group) console.log(`\n${group.report()}\n`);
  });
  after(async function () {
    this.timeout(30_000);
    await group?.stopAll();
    group = undefined;
  });
  return {
    get group(): ProcessGroup {
      return get();
    },
  };
}
