import { strict as assert } from 'node:assert';
import { status } from '@grpc/grpc-js';
import sharp from 'sharp';
import type { StoredRecord } from '../src/domain/snapshot/stored-record';
import { ingest, ingestHeader } from './support/ingest-client';
import { startTestIngestion, type TestIngestion } from './support/start-ingestion';

describe('ingestion service: format options the worker applies (through Ingest)', function () {
  // Each upload starts a worker thread and a DuckDB writer: slow on a loaded machine.
  this.timeout(120_000);
  let svc: TestIngestion;
  before(async () => {
    svc = await startTestIngestion();
  });
  after(async () => {
    await svc.close();
  });

  async function recordsOf(dataset: string): Promise<StoredRecord[]> {
    const snap = await svc.deps.snapshots.open({ dataset, version: 0 });
    const out: StoredRecord[] = [];
    for await (const r of snap.records()) out.push(r);
    return out;
  }

  it('ImageOptions.max_side_px resizes a larger image (aspect kept, same format) and leaves a smaller one as it is', async () => {
    const big = await sharp({ create: { width: 64, height: 32, channels: 3, background: { r: 200, g: 10, b: 10 } } }).jpeg().toBuffer();
    const small = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 10, g: 200, b: 10 } } }).png().toBuffer();
    const out = await ingest(svc.client, ingestHeader({ dataset: 'img-opts', formatOptions: { $case: 'image', value: { maxSidePx: 16 } } }), [
      { name: 'big.jpg', bytes: big },
      { name: 'small.png', bytes: small },
    ]);
    assert.ok(out.ok, out.ok ? '' : out.error.message);
    const records = await recordsOf('img-opts');
    const bigRec = records.find((r) => r.metadata['source_file'] === 'big.jpg');
    const smallRec = records.find((r) => r.metadata['source_file'] === 'small.png');
    assert.ok(bigRec && smallRec);
    const meta = await sharp(bigRec.data).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 16, 8]);
    assert.deepEqual([bigRec.metadata['width'], bigRec.metadata['height'], bigRec.metadata['original_width'], bigRec.metadata['original_height']], ['16', '8', '64', '32']);
    assert.equal(bigRec.contentType, 'image/jpeg');
    assert.deepEqual(Buffer.from(smallRec.data), small);
    assert.equal(smallRec.metadata['original_width'], undefined);
  });

  it('a negative or huge max_side_px is INVALID_ARGUMENT naming header.image.max_side_px', async () => {
    for (const maxSidePx of [-1, 100_000]) {
      const out = await ingest(svc.client, ingestHeader({ dataset: 'img-opts-bad', formatOptions: { $case: 'image', value: { maxSidePx } } }), [{ name: 'x.png', bytes: 'x' }]);
      assert.ok(!out.ok);
      assert.equal(out.error.code, status.INVALID_ARGUMENT);
      assert.match(out.error.details, /header\.image\.max_side_px/);
    }
  });
});

