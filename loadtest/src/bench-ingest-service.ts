import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ingestion } from '@l1g1/contracts';
import { createGrpcClient, createSilentLogger, createSqliteKeyStore, issueApiKey } from '@l1g1/kit';
import { loadIngestionConfig, startIngestion } from '@l1g1/ingestion';
import { SPAM_CLEANING } from './bench-ingest-spam';

export interface ServiceRun {
  seconds: number;
  result: ingestion.IngestResult;
}

/**
 * The files through the real ingestion service, end to end: a service started
 * in this process on 127.0.0.1:0 over a fresh data directory (SQLite, file
 * blobs; deleted after), one client-streaming Ingest of ONE tar archive of
 * the files (made on the fly by the system's `tar`, streamed with the call's
 * backpressure; the service expands it and detects each mail by content),
 * the ingest job's worker thread parsing and cleaning (`cleaning`, default
 * SPAM_CLEANING: the in-process run's options),
 * the snapshot written as Parquet and published. Timed from the first message
 * to the IngestResult.
 */
export async function ingestThroughService(root: string, paths: readonly string[], dataset: string, cleaning: ingestion.CleaningOptions = SPAM_CLEANING): Promise<ServiceRun> {
  const dataDir = mkdtempSync(join(tmpdir(), 'l1g1-bench-ingest-service-'));
  try {
    const config = loadIngestionConfig({
      L1G1_DATA_DIR: dataDir,
      L1G1_INGESTION_ADDR: '127.0.0.1:0',
      L1G1_INTERNAL_SECRET: randomBytes(16).toString('hex'),
    });
    const keys = createSqliteKeyStore(config.auth.keyDbPath);
    const apiKey = (await issueApiKey(keys, { name: 'bench', scopes: ['write', 'read'] })).plaintext;
    keys.close();
    const service = await startIngestion(config, { logger: createSilentLogger() });
    // One upload of 6,046 files on a busy 2-core machine takes minutes, not the default 10 s.
    const client = createGrpcClient(ingestion.IngestionServiceClient, service.address, { identity: { apiKey }, defaultDeadlineMs: 10 * 60_000 });
    try {
      const started = performance.now();
      const result = await new Promise<ingestion.IngestResult>((resolve, reject) => {
        const call = client.ingest((err, res) => (err ? reject(err) : resolve(res as ingestion.IngestResult)));
        const send = async (): Promise<void> => {
          const write = async (message: ingestion.IngestRequest): Promise<void> => {
            if (!call.write(message)) await once(call, 'drain');
          };
          await write({
            payload: {
              $case: 'header',
              value: ingestion.IngestHeader.fromPartial({ dataset, cleaning }),
            },
          });
          await write({ payload: { $case: 'file', value: ingestion.FileStart.fromPartial({ name: 'spam-assassin.tar' }) } });
          const tar = spawn('tar', ['-cf', '-', '-C', root, '-T', '-'], { stdio: ['pipe', 'pipe', 'inherit'] });
          tar.stdin.end(paths.map((p) => relative(root, p)).join('\n'));
          for await (const chunk of tar.stdout) await write({ payload: { $case: 'chunk', value: chunk as Buffer } });
          const [code] = (await (tar.exitCode === null ? once(tar, 'exit') : Promise.resolve([tar.exitCode]))) as [number | null];
          if (code !== 0) throw new Error(`tar exited with ${code}`);
          call.end();
        };
        send().catch((err: unknown) => {
          call.cancel();
          reject(err instanceof Error ? err : new Error(String(err)));
        });
      });
      return { seconds: (performance.now() - started) / 1000, result };
    } finally {
      client.close();
      await service.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
