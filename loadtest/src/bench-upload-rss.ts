/**
 * `node loadtest/dist/bench-upload-rss.js`: how much the registry's memory
 * grows while it receives large artifacts. Starts a registry process, uploads
 * a 100 MB and a 300 MB model, then three 300 MB uploads at once, sampling
 * the registry's RSS (and, separately, its ONNX check processes') from /proc
 * every 20 ms. Prints one JSON line per case; growth = peak - RSS just before.
 *
 * Aim (issue 5): the registry's peak grows by at most 64 MB per concurrent
 * upload, whatever the artifact's size.
 */
import { readdirSync, readFileSync, mkdtempSync, rmSync, writeFileSync, createReadStream, statSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { registry } from '@l1g1/contracts';
import { asL1g1Error, createGrpcClient, metadataWithActor } from '@l1g1/kit';
import { buildMlp } from '@l1g1/onnx';
import { freePort, grpcHealthCheck, logTail, startServiceProcess, waitHealthy } from './suite-processes';

const MB = 1024 * 1024;
const SAMPLE_EVERY_MS = 20;
const CHUNK_BYTES = 1 * MB;

/** RSS of one process in bytes, 0 when it is gone. */
function rssOf(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Direct children of `pid` (the ONNX check processes of the registry). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (text !== '') out.push(...text.split(/\s+/).map(Number));
    }
  } catch {
    // The process ended between listing and reading.
  }
  return out;
}

/** Samples until stopped; returns the peaks. */
function startSampler(pid: number): { stop(): { peakRss: number; peakChildrenRss: number } } {
  let peakRss = rssOf(pid);
  let peakChildrenRss = 0;
  const timer = setInterval(() => {
    peakRss = Math.max(peakRss, rssOf(pid));
    peakChildrenRss = Math.max(
      peakChildrenRss,
      childrenOf(pid).reduce((sum, child) => sum + rssOf(child), 0),
    );
  }, SAMPLE_EVERY_MS);
  return {
    stop() {
      clearInterval(timer);
      return { peakRss, peakChildrenRss };
    },
  };
}

/** An fp32 MLP of about `megabytes` MB (one wide hidden layer), written to `path`. */
function writeModel(path: string, megabytes: number, seed: number): number {
  const inputSize = 1024;
  const outputSize = 16;
  const hidden = Math.round((megabytes * MB) / 4 / (inputSize + outputSize));
  writeFileSync(path, buildMlp({ inputSize, hiddenSizes: [hidden], outputSize, seed }));
  return statSync(path).size;
}

/** Streams the file at `path` as a CreateVersion, respecting the call's backpressure. */
async function uploadFile(client: registry.ModelRegistryServiceClient, modelName: string, path: string): Promise<void> {
  await new Promise<void>((done, fail) => {
    const call = client.createVersion(metadataWithActor('bench'), (err) => (err ? fail(asL1g1Error(err)) : done()));
    call.write({ payload: { $case: 'header', value: registry.UploadHeader.fromPartial({ modelName, createModel: true }) } });
    const file = createReadStream(path, { highWaterMark: CHUNK_BYTES });
    file.on('data', (chunk) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (!call.write({ payload: { $case: 'chunk', value: bytes } })) {
        file.pause();
        call.once('drain', () => file.resume());
      }
    });
    file.on('end', () => call.end());
    file.on('error', fail);
  });
}

async function main(): Promise<void> {
  const root = resolve(__dirname, '..', '..');
  const work = mkdtempSync(join(tmpdir(), 'l1g1-bench-rss-'));
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const registryProcess = startServiceProcess(
    'model-registry',
    join(root, 'services/model-registry/dist/main.js'),
    {
      L1G1_DATA_DIR: join(work, 'data'),
      L1G1_REGISTRY_ADDR: address,
      L1G1_REGISTRY_MAX_ARTIFACT_BYTES: String(1024 * MB),
      L1G1_REGISTRY_VALIDATE_TIMEOUT_MS: '300000',
      L1G1_LOG_LEVEL: 'warn',
    },
    join(work, 'registry.log'),
  );
  // A 300 MB upload on a busy machine takes a while; the bench waits for it.
  const client = createGrpcClient(registry.ModelRegistryServiceClient, address, { defaultDeadlineMs: 600_000 });
  try {
    await waitHealthy(registryProcess, grpcHealthCheck(address));
    const pid = registryProcess.child.pid;
    if (pid === undefined) throw new Error('the registry did not start');
    const small = join(work, 'small.onnx');
    writeModel(small, 1, 1);
    const m100 = join(work, 'm100.onnx');
    const m300 = join(work, 'm300.onnx');
    const size100 = writeModel(m100, 100, 2);
    const size300 = writeModel(m300, 300, 3);
    // Warm-up: the first upload loads code paths and the spare check process.
    await uploadFile(client, 'warmup', small);

    const cases: { name: string; path: string; sizeBytes: number; concurrent: number }[] = [
      { name: 'upload-100mb', path: m100, sizeBytes: size100, concurrent: 1 },
      { name: 'upload-300mb', path: m300, sizeBytes: size300, concurrent: 1 },
      { name: 'upload-300mb-x3-concurrent', path: m300, sizeBytes: size300, concurrent: 3 },
    ];
    let n = 0;
    for (const c of cases) {
      const before = rssOf(pid);
      const sampler = startSampler(pid);
      const started = process.hrtime.bigint();
      await Promise.all(Array.from({ length: c.concurrent }, () => uploadFile(client, `bench-${++n}`, c.path)));
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const { peakRss, peakChildrenRss } = sampler.stop();
      const growth = peakRss - before;
      console.log(
        JSON.stringify({
          case: c.name,
          artifact_mb: +(c.sizeBytes / MB).toFixed(1),
          concurrent: c.concurrent,
          registry_rss_before_mb: +(before / MB).toFixed(1),
          registry_rss_peak_mb: +(peakRss / MB).toFixed(1),
          registry_rss_growth_mb: +(growth / MB).toFixed(1),
          registry_rss_growth_per_upload_mb: +(growth / c.concurrent / MB).toFixed(1),
          check_processes_rss_peak_mb: +(peakChildrenRss / MB).toFixed(1),
          seconds: +seconds.toFixed(2),
          aim_met: growth / c.concurrent <= 64 * MB,
          cpus: cpus().length,
          node: process.version,
          at: new Date().toISOString(),
        }),
      );
    }
  } catch (err: unknown) {
    console.error(err instanceof Error ? err.message : err);
    console.error(logTail(registryProcess));
    process.exitCode = 1;
  } finally {
    client.close();
    await registryProcess.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

void main();
