import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import type { ClientReadableStream } from '@grpc/grpc-js';
import { registry } from '@l1g1/contracts';
import { type ClientOptions, createGrpcClient, errors, fromServiceError, isServiceError, L1g1Error, type Logger, pauseUntilDrained, unary } from '@l1g1/kit';
import type { ModelSource, VersionState } from '../domain/ports';

/** The registry as the inference service uses it: the domain's ModelSource, plus artifact downloads for the cache. */
export interface RegistryAdapter extends ModelSource {
  /** Streams an artifact into `path` and checks its sha256 (the file is left for the caller to rename or remove). */
  download(version: registry.ModelVersion, artifact: registry.Artifact, path: string): Promise<void>;
  close(): void;
}

/** `clientOptions` carries the service's identity (a signed service principal) and TLS. */
export function createRegistryAdapter(address: string, logger: Logger, clientOptions: ClientOptions = {}): RegistryAdapter {
  const client = createGrpcClient(registry.ModelRegistryServiceClient, address, { defaultDeadlineMs: 10_000, ...clientOptions });

  async function download(v: registry.ModelVersion, a: registry.Artifact, path: string): Promise<void> {
    const hash = createHash('sha256');
    const out = createWriteStream(path);
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
              pauseUntilDrained(stream, out);
            }
          }
        });
        stream.on('error', (err) => reject(isServiceError(err) ? fromServiceError(err) : err));
        stream.on('end', () => out.end(() => resolveDl()));
      });
    } catch (err) {
      out.destroy();
      throw err;
    }
    const digest = hash.digest('hex');
    if (digest !== a.sha256) {
      logger.error({ model: v.modelName, version: v.version, digest, expected: a.sha256 }, 'downloaded artifact does not match its sha256');
      throw errors.internal(`artifact of ${v.modelName} version ${v.version} failed its integrity check`);
    }
  }

  return {
    resolve: (ref) => unary(client.resolveModel.bind(client), ref),
    async versionState(name, version): Promise<VersionState> {
      try {
        const v = await unary(client.getVersion.bind(client), { modelName: name, version });
        return v.status === registry.VersionStatus.VERSION_STATUS_ARCHIVED ? 'archived' : 'serving';
      } catch (err) {
        if (err instanceof L1g1Error && err.kind === 'NOT_FOUND') return 'deleted';
        logger.debug({ err, name, version }, 'could not ask the registry about a cached version');
        return 'unknown';
      }
    },
    download,
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
