import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClientReadableStream } from '@grpc/grpc-js';
import { common, registry } from '@l1g1/contracts';
import { createGrpcClient, errors, fromServiceError, isServiceError, unary, type ClientOptions, type Logger } from '@l1g1/kit';

/** What the inference service needs from the model registry. */
export interface RegistryPort {
  resolve(ref: common.ModelRef): Promise<registry.ModelVersion>;
  /** Returns a local file path holding the verified artifact. */
  fetchArtifact(version: registry.ModelVersion, artifact: registry.Artifact): Promise<string>;
  /** Follows alias changes, reconnecting and resuming after failures. */
  watchAliases(onEvent: (e: registry.AliasEvent) => void): { stop(): void };
  close(): void;
}

/** `clientOptions` carries the service's identity (a signed service principal) and TLS. */
export function createRegistryAdapter(address: string, cacheDir: string, logger: Logger, clientOptions: ClientOptions = {}): RegistryPort {
  const client = createGrpcClient(registry.ModelRegistryServiceClient, address, { defaultDeadlineMs: 10_000, ...clientOptions });
  mkdirSync(cacheDir, { recursive: true });
  const downloads = new Map<string, Promise<string>>();

  async function verify(path: string, sha256: string): Promise<boolean> {
    const bytes = await readFile(path);
    return createHash('sha256').update(bytes).digest('hex') === sha256;
  }

  async function download(v: registry.ModelVersion, a: registry.Artifact, target: string): Promise<string> {
    if (existsSync(target) && (await verify(target, a.sha256))) return target;
    const tmp = `${target}.${randomUUID()}.part`;
    const hash = createHash('sha256');
    const out = createWriteStream(tmp);
    try {
      await new Promise<void>((resolveDl, reject) => {
        const stream = client.downloadArtifact(
          { modelName: v.modelName, version: v.version, precision: a.precision, chunkSize: 1024 * 1024 },
          { deadline: Date.now() + 120_000 },
        );
        stream.on('data', (msg: registry.DownloadArtifactResponse) => {
          if (msg.payload?.$case === 'chunk') {
            hash.update(msg.payload.value);
            if (!out.write(msg.payload.value)) {
              stream.pause();
              out.once('drain', () => stream.resume());
            }
          }
        });
        stream.on('error', (err) => reject(isServiceError(err) ? fromServiceError(err) : err));
        stream.on('end', () => out.end(() => resolveDl()));
      });
      const digest = hash.digest('hex');
      if (digest !== a.sha256) {
        throw errors.internal(`artifact of ${v.modelName}/${v.version} hashes to ${digest}, registry says ${a.sha256}`);
      }
      await rename(tmp, target);
      return target;
    } catch (err) {
      out.destroy();
      await rm(tmp, { force: true });
      throw err;
    }
  }

  return {
    resolve: (ref) => unary(client.resolveModel.bind(client), ref),
    fetchArtifact(v, a) {
      const target = join(cacheDir, `${a.sha256}.onnx`);
      let p = downloads.get(target);
      if (!p) {
        p = download(v, a, target).finally(() => downloads.delete(target));
        downloads.set(target, p);
      }
      return p;
    },
    watchAliases(onEvent) {
      let lastEventId = 0;
      let stopped = false;
      let stream: ClientReadableStream<registry.AliasEvent> | undefined;
      let backoffMs = 100;
      const connect = (): void => {
        if (stopped) return;
        stream = client.watchAliases({ modelName: '', afterEventId: lastEventId });
        stream.on('data', (e: registry.AliasEvent) => {
          backoffMs = 100;
          if (e.eventId <= lastEventId) return;
          lastEventId = e.eventId;
          onEvent(e);
        });
        const retry = (why: string): void => {
          if (stopped) return;
          stream?.removeAllListeners();
          stream?.on('error', () => undefined);
          logger.debug({ why, backoffMs }, 'alias watch reconnecting');
          setTimeout(connect, backoffMs).unref();
          backoffMs = Math.min(backoffMs * 2, 5000);
        };
        stream.on('error', (err) => retry(err.message));
        stream.on('end', () => retry('stream ended'));
      };
      connect();
      return {
        stop() {
          stopped = true;
          stream?.cancel();
        },
      };
    },
    close: () => client.close(),
  };
}
