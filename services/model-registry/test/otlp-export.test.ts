import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { registry } from '@l1g1/contracts';
import { createGrpcClient, unary } from '@l1g1/kit';
import { freePort } from '../../../test/support/stack';

const MAIN = resolve(__dirname, '..', 'dist', 'main.js');

describe('model-registry process: OTLP export and graceful SIGTERM', function () {
  this.timeout(30_000);

  it('ships its spans to OTEL_EXPORTER_OTLP_ENDPOINT and flushes them when stopped with SIGTERM', async () => {
    const posts: { url: string; type: string; bytes: Buffer }[] = [];
    const collector = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        posts.push({ url: req.url ?? '', type: String(req.headers['content-type']), bytes: Buffer.concat(chunks) });
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
    const collectorPort = (collector.address() as { port: number }).port;
    const dir = mkdtempSync(join(tmpdir(), 'l1g1-otlp-'));
    const address = `127.0.0.1:${await freePort()}`;
    const child = spawn(process.execPath, [MAIN], {
      env: {
        ...process.env,
        L1G1_DATA_DIR: dir,
        L1G1_REGISTRY_ADDR: address,
        L1G1_LOG_LEVEL: 'warn',
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collectorPort}`,
        OTEL_SERVICE_NAME: 'registry-under-test',
      },
      stdio: 'ignore',
    });
    try {
      const client = createGrpcClient(registry.ModelRegistryServiceClient, address);
      const until = Date.now() + 15_000;
      let listed = false;
      while (!listed && Date.now() < until) {
        listed = await unary(client.listModels.bind(client), { page: undefined, query: '', tags: {} }).then(
          () => true,
          () => new Promise<boolean>((r) => setTimeout(() => r(false), 100)),
        );
      }
      client.close();
      assert.ok(listed, 'registry did not answer');
      const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      assert.equal(await exit, 0);
      const traces = posts.filter((p) => p.url === '/v1/traces');
      assert.ok(traces.length >= 1, `no OTLP trace export (posts: ${posts.map((p) => p.url).join(', ')})`);
      assert.match(traces[0]!.type, /protobuf/);
      const all = Buffer.concat(traces.map((t) => t.bytes)).toString('latin1');
      assert.ok(all.includes('registry-under-test'), 'service name missing from the exported resource');
      assert.ok(all.includes('ListModels'), 'the ListModels server span was not exported');
      assert.deepEqual(posts.filter((p) => p.url !== '/v1/traces').map((p) => p.url), [], 'only traces are exported');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      collector.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
