/**
 * A real S3-compatible server for tests: an `s3rver` child process on a free
 * port of 127.0.0.1, storing into a temporary folder, with one bucket made at
 * startup. Stopped (SIGTERM, then SIGKILL) and its folder removed after.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestS3 {
  /** e.g. http://127.0.0.1:40123 */
  readonly endpoint: string;
  readonly bucket: string;
  /** The folder s3rver stores into (tests look for leftovers there). */
  readonly dir: string;
  /** The standard AWS variables a BlobStore reads, pointing at this server. */
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 30_000;

export async function startTestS3(bucket = 'l1g1-test'): Promise<TestS3> {
  const dir = mkdtempSync(join(tmpdir(), 'l1g1-s3-'));
  const bin = require.resolve('s3rver/bin/s3rver.js');
  // Port 0: the OS picks; s3rver prints the port it bound, so no race with freePort.
  const child: ChildProcess = spawn(
    process.execPath,
    [bin, '-d', dir, '-a', '127.0.0.1', '-p', '0', '--silent', '--no-vhost-buckets', '--configure-bucket', bucket],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((done) => child.once('exit', () => done()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`s3rver did not start within ${STARTUP_TIMEOUT_MS} ms: ${out}`)), STARTUP_TIMEOUT_MS);
      const onData = (chunk: Buffer): void => {
        out += chunk.toString('utf8');
        const m = /listening on [^:\s]+:(\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`s3rver exited (${code}) before listening: ${out}`));
      });
    });
    // Keep draining its output so a full pipe never blocks the server.
    child.stdout?.resume();
    child.stderr?.resume();
    const endpoint = `http://127.0.0.1:${port}`;
    return {
      endpoint,
      bucket,
      dir,
      env: {
        AWS_ENDPOINT_URL: endpoint,
        AWS_ACCESS_KEY_ID: 'S3RVER',
        AWS_SECRET_ACCESS_KEY: 'S3RVER',
        AWS_REGION: 'us-east-1',
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Mocha hooks for a describe block: an S3 server for its tests. */
export function useS3(bucket?: string): { readonly s3: TestS3 } {
  let s3: TestS3 | undefined;
  before(async function () {
    this.timeout(60_000);
    s3 = await startTestS3(bucket);
  });
  after(async () => {
    await s3?.stop();
  });
  return {
    get s3(): TestS3 {
      if (!s3) throw new Error('the S3 server starts in a before() hook; use it inside tests');
      return s3;
    },
  };
}
