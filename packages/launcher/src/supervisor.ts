import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';

export interface ServiceSpec {
  name: string;
  script: string;
  env: Record<string, string>;
  logFile: string;
}

export interface SupervisedService {
  readonly spec: ServiceSpec;
  readonly pid: number | undefined;
  readonly restarts: number;
  stop(): Promise<void>;
}

export interface SupervisorEvents {
  onExit(name: string, code: number | null, signal: string | null, restartInMs: number): void;
  onStart(name: string, pid: number | undefined, restarts: number): void;
}

/**
 * Runs one service as a child process and restarts it when it dies, with
 * exponential backoff (reset once it has stayed up for 30 s).
 */
export function supervise(spec: ServiceSpec, events: SupervisorEvents): SupervisedService {
  let child: ChildProcess | undefined;
  let stopping = false;
  let restarts = 0;
  let backoffMs = 250;
  let startedAt = 0;
  let timer: NodeJS.Timeout | undefined;
  const log: WriteStream = createWriteStream(spec.logFile, { flags: 'a' });

  const start = (): void => {
    startedAt = Date.now();
    child = spawn(process.execPath, [spec.script], {
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    events.onStart(spec.name, child.pid, restarts);
    child.on('exit', (code, signal) => {
      if (stopping) return;
      if (Date.now() - startedAt > 30_000) backoffMs = 250;
      events.onExit(spec.name, code, signal, backoffMs);
      timer = setTimeout(() => {
        restarts++;
        start();
      }, backoffMs);
      backoffMs = Math.min(backoffMs * 2, 10_000);
    });
  };
  start();

  return {
    spec,
    get pid() {
      return child?.pid;
    },
    get restarts() {
      return restarts;
    },
    stop() {
      stopping = true;
      if (timer) clearTimeout(timer);
      return new Promise<void>((resolve) => {
        if (!child || child.exitCode !== null || child.signalCode !== null) {
          log.end();
          return resolve();
        }
        const kill = setTimeout(() => child?.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(kill);
          log.end();
          resolve();
        });
        child.kill('SIGTERM');
      });
    },
  };
}
