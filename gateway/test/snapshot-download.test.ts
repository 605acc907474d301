import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { createSilentLogger, createSqliteKeyStore, issueApiKey } from '@l1g1/kit';
import { loadGatewayConfig, startGateway, type RunningGateway } from '@l1g1/gateway';
import { binaryRecord } from '../../services/ingestion/test/snapshot-support';
import { publishTestSnapshot } from '../../services/ingestion/test/support/publish-test-snapshot';
import { startTestIngestion, TEST_INTERNAL_SECRET, type TestIngestion } from '../../services/ingestion/test/support/start-ingestion';
import { http } from '../../test/support/stack';

/** The ids DuckDB reads from a Parquet file: a reader that knows nothing of our code. */
async function duckIds(path: string): Promise<string[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const rows = (await connection.runAndReadAll(`SELECT id FROM read_parquet('${path.replace(/'/g, "''")}') ORDER BY id`)).getRowObjectsJS();
    return rows.map((r) => String(r['id']));
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('gateway: GET /download serves the snapshot Parquet file from a real ingestion service', function () {
  this.timeout(120_000);
  let svc: TestIngestion;
  let gw: RunningGateway;
  let reader: Record<string, string>;
  let tmp: string;
  const url = (path: string): string => `${gw.url}/v1/datasets/dl${path}`;

  before(async () => {
    svc = await startTestIngestion();
    tmp = mkdtempSync(join(tmpdir(), 'l1g1-download-test-'));
    const keys = createSqliteKeyStore(join(svc.dataDir, 'auth', 'keys.db'));
    // A read-only key: downloading is a read.
    reader = { authorization: `Bearer ${(await issueApiKey(keys, { name: 'reader', scopes: ['read'] })).plaintext}` };
    keys.close();
    gw = await startGateway(
      loadGatewayConfig({ L1G1_DATA_DIR: svc.dataDir, L1G1_INTERNAL_SECRET: TEST_INTERNAL_SECRET, L1G1_GATEWAY_PORT: '0', L1G1_INGESTION_ADDR: svc.service.address }),
      { logger: createSilentLogger() },
    );
    const lines = Array.from({ length: 40 }, (_, i) => JSON.stringify({ text: `line number ${i}`, label: i % 2 ? 'odd' : 'even' }));
    const up = await http(url('/uploads?filename=rows.jsonl&format=jsonl&data_field=text'), {
      method: 'POST',
      headers: { authorization: `Bearer ${svc.adminKey}`, 'content-type': 'application/octet-stream' },
      body: lines.join('\n') + '\n',
    });
    assert.equal(up.status, 201, JSON.stringify(up.body));
  });

  after(async () => {
    await gw?.stop();
    await svc?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  const download = async (path: string, headers: Record<string, string> = {}): Promise<{ res: Response; bytes: Buffer }> => {
    const res = await fetch(url(path), { headers: { ...reader, ...headers } });
    return { res, bytes: Buffer.from(await res.arrayBuffer()) };
  };

  it('answers the Parquet file itself: DuckDB reads the same ids as ReadRecords, headers name type, file and sha256', async () => {
    const { res, bytes } = await download('/snapshots/1/download');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/vnd.apache.parquet');
    assert.equal(res.headers.get('content-disposition'), 'attachment; filename="dl-v1.parquet"');
    assert.equal(Number(res.headers.get('content-length')), bytes.length);
    const sha = createHash('sha256').update(bytes).digest('hex');
    assert.equal(res.headers.get('etag'), `"${sha}"`);
    const row = await svc.deps.store.getSnapshot('dl', 1);
    assert.equal(sha, row!.dataSha256, 'the bytes are the published blob, not a re-encoding');

    const path = join(tmp, 'dl-v1.parquet');
    writeFileSync(path, bytes);
    const records = await http(url('/snapshots/1/records?metadata_only=true'), { headers: reader });
    assert.equal(records.status, 200);
    const readIds = String(records.body).trim().split('\n').map((l) => (JSON.parse(l) as { id: string }).id).sort();
    assert.equal(readIds.length, 40);
    assert.deepEqual(await duckIds(path), readIds);
  });

  it('If-None-Match with the ETag answers 304 without a body; another ETag gets the file', async () => {
    const { res: full } = await download('/snapshots/1/download');
    const etag = full.headers.get('etag')!;
    const { res, bytes } = await download('/snapshots/1/download', { 'if-none-match': etag });
    assert.equal(res.status, 304);
    assert.equal(bytes.length, 0);
    assert.equal(res.headers.get('etag'), etag);
    const other = await download('/snapshots/1/download', { 'if-none-match': '"0000"' });
    assert.equal(other.res.status, 200);
  });

  it('a Range answers 206 with exactly that slice and its Content-Range; a range past the end 416', async () => {
    const { bytes: whole } = await download('/snapshots/1/download');
    const { res, bytes } = await download('/snapshots/1/download', { range: 'bytes=4-99' });
    assert.equal(res.status, 206);
    assert.equal(res.headers.get('content-range'), `bytes 4-99/${whole.length}`);
    assert.deepEqual(bytes, whole.subarray(4, 100));
    const suffix = await download('/snapshots/1/download', { range: 'bytes=-4' });
    assert.equal(suffix.res.status, 206);
    assert.equal(suffix.bytes.toString('latin1'), 'PAR1');
    const past = await download('/snapshots/1/download', { range: `bytes=${whole.length}-` });
    assert.equal(past.res.status, 416);
    assert.equal(past.res.headers.get('content-range'), `bytes */${whole.length}`);
  });

  it('a Range past the first 1 MiB chunk of a larger file answers exactly that slice', async () => {
    // Incompressible payloads: a Parquet file of about 2 MB, several chunks long.
    await publishTestSnapshot(svc.deps, 'dlbig', [0, 1, 2].map((i) => binaryRecord(`b${i}`, randomBytes(700 * 1024))));
    const big = (path: string, headers: Record<string, string> = {}) =>
      fetch(`${gw.url}/v1/datasets/dlbig${path}`, { headers: { ...reader, ...headers } }).then(async (res) => ({ res, bytes: Buffer.from(await res.arrayBuffer()) }));
    const { bytes: whole } = await big('/snapshots/1/download');
    assert.ok(whole.length > 1.5 * 1024 * 1024, `file of ${whole.length} bytes`);
    const from = 1024 * 1024 + 123;
    const { res, bytes } = await big('/snapshots/1/download', { range: `bytes=${from}-${from + 999}` });
    assert.equal(res.status, 206);
    assert.equal(res.headers.get('content-range'), `bytes ${from}-${from + 999}/${whole.length}`);
    assert.deepEqual(bytes, whole.subarray(from, from + 1000));
    const tail = await big('/snapshots/1/download', { range: `bytes=${from}-` });
    assert.deepEqual(tail.bytes, whole.subarray(from));
    assert.equal(createHash('sha256').update(whole).digest('hex'), (await svc.deps.store.getSnapshot('dlbig', 1))!.dataSha256);
  });

  it('?format=ndjson still answers the records as an NDJSON attachment', async () => {
    const res = await fetch(url('/snapshots/1/download?format=ndjson&limit=5'), { headers: reader });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/x-ndjson/);
    assert.equal(res.headers.get('content-disposition'), 'attachment; filename="dl-v1.ndjson"');
    const rows = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as { id: string; data: string });
    assert.equal(rows.length, 5);
    assert.match(rows[0]!.data, /^line number \d+$/);
  });

  it('an unknown version is 404, an unknown format a 400 naming format; neither opens the breaker', async () => {
    const missing = await http(url('/snapshots/7/download'), { headers: reader });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'NOT_FOUND');
    assert.match(missing.body.error.message, /dl.*7/);
    const bad = await http(url('/snapshots/1/download?format=csv'), { headers: reader });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.field, 'format');
    assert.equal((await http(`${gw.url}/readyz`)).body.breakers.ingestion, 'closed');
  });
});
