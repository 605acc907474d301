/**
 * Findings of the outside check of the ingestion routes (a user and an
 * attacker walking the live suite), each pinned by the request that found it,
 * against a real ingestion service (port 0, SQLite, worker thread).
 */
import { strict as assert } from 'node:assert';
import { readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { createSilentLogger } from '@l1g1/kit';
import { loadGatewayConfig, startGateway, type RunningGateway } from '@l1g1/gateway';
import { startTestIngestion, TEST_INTERNAL_SECRET, type TestIngestion } from '../../services/ingestion/test/support/start-ingestion';
import { http } from '../../test/support/stack';

describe('gateway: ingestion routes under an outside check', function () {
  this.timeout(120_000);
  let svc: TestIngestion;
  let gw: RunningGateway;
  let admin: Record<string, string>;

  before(async () => {
    // One upload slot: an upload that kept its slot after being refused would refuse the next one.
    svc = await startTestIngestion({ env: { L1G1_INGESTION_MAX_CONCURRENT_UPLOADS: '1' } });
    admin = { authorization: `Bearer ${svc.adminKey}` };
    gw = await startGateway(
      loadGatewayConfig({
        L1G1_DATA_DIR: svc.dataDir,
        L1G1_INTERNAL_SECRET: TEST_INTERNAL_SECRET,
        L1G1_GATEWAY_PORT: '0',
        L1G1_INGESTION_ADDR: svc.service.address,
        L1G1_INGESTION_MAX_UPLOAD_BYTES: String(1024 * 1024),
        // Shorter than any derive job: calls that wait for one must not run under it.
        L1G1_UPSTREAM_TIMEOUT_MS: '400',
      }),
      { logger: createSilentLogger() },
    );
  });

  after(async () => {
    await gw?.stop();
    await svc?.close();
  });

  it('a multipart upload without a boundary is a 400 that holds no upload slot and leaves no spool folder', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await http(`${gw.url}/v1/datasets/noboundary/uploads`, { method: 'POST', headers: { ...admin, 'content-type': 'multipart/form-data' }, body: 'xx' });
      assert.equal(res.status, 400);
      assert.equal(res.body.error.field, 'content-type');
      assert.match(res.body.error.message, /boundary/);
    }
    assert.deepEqual(readdirSync(svc.config.spoolDir), []);
    const ok = await http(`${gw.url}/v1/datasets/after-noboundary/uploads?filename=a.txt`, { method: 'POST', headers: { ...admin, 'content-type': 'application/octet-stream' }, body: 'accepted after three refused multiparts' });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
  });

  it('a derive waits for its job under the transfer deadline: 201 with the new snapshot, not a 503 while it is published', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => JSON.stringify({ text: `row ${i} of the derive test`, label: i % 2 === 0 ? 'a' : 'b' })).join('\n');
    const up = await http(`${gw.url}/v1/datasets/derive-deadline/uploads?filename=rows.jsonl&data_field=text`, { method: 'POST', headers: { ...admin, 'content-type': 'application/octet-stream' }, body: rows });
    assert.equal(up.status, 201, JSON.stringify(up.body));
    const derived = await http(`${gw.url}/v1/datasets/derive-deadline/snapshots`, { method: 'POST', headers: admin, json: { split: { fractions: { train: 0.8, test: 0.2 }, seed: 42 } } });
    assert.equal(derived.status, 201, JSON.stringify(derived.body));
    assert.equal(derived.body.version, 2);
    const snapshots = await http(`${gw.url}/v1/datasets/derive-deadline/snapshots`, { headers: admin });
    assert.equal(snapshots.body.snapshots.length, 2);
  });

  it('an empty body is a 400 naming the file, and the dataset keeps its snapshot', async () => {
    const first = await http(`${gw.url}/v1/datasets/empty-body/uploads?filename=a.txt`, { method: 'POST', headers: { ...admin, 'content-type': 'application/octet-stream' }, body: 'the one record' });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const empty = await http(`${gw.url}/v1/datasets/empty-body/uploads?filename=b.txt`, { method: 'POST', headers: { ...admin, 'content-type': 'application/octet-stream' }, body: '' });
    assert.equal(empty.status, 400, JSON.stringify(empty.body));
    assert.equal(empty.body.error.reason, 'EMPTY_UPLOAD');
    assert.equal(empty.body.error.field, 'file');
    const snapshots = await http(`${gw.url}/v1/datasets/empty-body/snapshots`, { headers: admin });
    assert.deepEqual(snapshots.body.snapshots.map((s: { version: number; record_count: number }) => [s.version, s.record_count]), [[1, 1]]);
  });

  it('a request Node refuses (negative Content-Length) is answered in the /v1 error dialect', async () => {
    const { port } = new URL(gw.url);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1');
      let text = '';
      socket.on('data', (c: Buffer) => (text += c.toString()));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
      socket.setTimeout(10_000, () => socket.destroy(new Error('no answer')));
      socket.write('POST /v1/datasets/x/uploads HTTP/1.1\r\nhost: a\r\ncontent-type: application/octet-stream\r\ncontent-length: -5\r\n\r\nx');
    });
    assert.match(raw, /^HTTP\/1\.1 400 /);
    const body = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as { error: { code: string; reason: string } };
    assert.deepEqual([body.error.code, body.error.reason], ['INVALID_ARGUMENT', 'MALFORMED_REQUEST']);
  });
});
