import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import * as http from 'node:http';
import { health, registry, common } from '@l1g1/contracts';
import { createGrpcClient, fromServiceError, unary, type ClientIdentity } from '@l1g1/kit';

/** One service running as a child process, its output in a log file. */
export interface ServiceProcess {
  readonly name: string;
  readonly logFile: string;
  readonly child: ChildProcess;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it exited. */
  stop(graceMs?: number): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (kit's helper, re-exported for the bench). */
export { freePort } from '@l1g1/kit';

/**
 * Starts `node [nodeArgs] <script>` with `env` added to this process's
 * environment (`nodeArgs`: e.g. `--cpu-prof`, which NODE_OPTIONS refuses).
 */
export function startServiceProcess(name: string, script: string, env: Record<string, string>, logFile: string, nodeArgs: string[] = []): ServiceProcess {
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [...nodeArgs, script], { env: { ...process.env, ...env }, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    name,
    logFile,
    child,
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(kill);
    },
  };
}

/** The last lines of a service's log, for error messages. */
export function logTail(service: ServiceProcess, lines = 20): string {
  try {
    return readFileSync(service.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function grpcServing(address: string): Promise<boolean> {
  const client = createGrpcClient(health.HealthClient, address, { defaultDeadlineMs: 1000 });
  return new Promise((resolve) => {
    client.check({ service: '' }, (err, res) => {
      client.close();
      resolve(!err && res.status === health.HealthCheckResponse_ServingStatus.SERVING);
    });
  });
}

function httpOk(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

/**
 * Polls until `check` passes; fails early (with the log tail) when the
 * process exits, or after `timeoutMs`.
 */
export async function waitHealthy(service: ServiceProcess, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (service.child.exitCode !== null || service.child.signalCode !== null) {
      throw new Error(`${service.name} exited (${service.child.signalCode ?? `code ${service.child.exitCode}`}):\n${logTail(service)}`);
    }
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${service.name} not healthy within ${timeoutMs / 1000} s:\n${logTail(service)}`);
}

export const grpcHealthCheck = (address: string) => () => grpcServing(address);
export const httpHealthCheck = (url: string) => () => httpOk(url);

/** Uploads `bytes` as a new fp32 version of `model` and points `alias` at it, as `identity` (writes need one). */
export async function registerModel(registryAddress: string, model: string, bytes: Uint8Array, identity: ClientIdentity, alias = 'production'): Promise<number> {
  const client = createGrpcClient(registry.ModelRegistryServiceClient, registryAddress, { defaultDeadlineMs: 30_000, identity });
  try {
    const version = await new Promise<registry.ModelVersion>((resolve, reject) => {
      const call = client.createVersion((err, v) => (err ? reject(fromServiceError(err)) : resolve(v)));
      call.write({
        payload: {
          $case: 'header',
          value: registry.UploadHeader.fromPartial({
            modelName: model,
            createModel: true,
            precision: common.Precision.PRECISION_FP32,
            format: 'onnx',
            description: 'loadtest MLP',
            tags: { source: 'loadtest' },
          }),
        },
      });
      const chunk = 64 * 1024;
      for (let off = 0; off < bytes.length; off += chunk) call.write({ payload: { $case: 'chunk', value: Buffer.from(bytes.subarray(off, off + chunk)) } });
      call.end();
    });
    await unary(client.setAlias.bind(client), { modelName: model, alias, version: version.version });
    return version.version;
  } finally {
    client.close();
  }
}
