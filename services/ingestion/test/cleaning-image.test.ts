import { strict as assert } from 'node:assert';
import { status } from '@grpc/grpc-js';
import { ingestion } from '@l1g1/contracts';
import sharp from 'sharp';
import { equalizationTable, equalizeHistogram } from '../src/domain/cleaning/histogram-equalization';
import type { StoredRecord } from '../src/domain/snapshot/stored-record';
import { ingest, ingestHeader } from './support/ingest-client';
import { startTestIngestion, type TestIngestion } from './support/start-ingestion';

/** A PNG of raw pixels (1 channel: a grey PNG, 3: RGB). */
function png(pixels: number[], width: number, height: number, channels: 1 | 3): Promise<Buffer> {
  return sharp(Buffer.from(pixels), { raw: { width, height, channels } })
    .toColourspace(channels === 1 ? 'b-w' : 'srgb')
    .png()
    .toBuffer();
}

/** The PNG's own channel count (from its header) and its pixels in that many channels. */
async function rawOf(bytes: Uint8Array): Promise<{ pixels: Buffer; width: number; height: number; channels: number; format: string }> {
  const meta = await sharp(bytes).metadata();
  // sharp's raw output is sRGB unless asked otherwise: a grey file is read back as grey.
  const { data, info } = await sharp(bytes)
    .toColourspace(meta.channels === 1 ? 'b-w' : 'srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { pixels: data, width: info.width, height: info.height, channels: meta.channels ?? 0, format: meta.format ?? '' };
}

function cleaningWithImage(image: ingestion.ImageNormalization): ingestion.CleaningOptions {
  return ingestion.CleaningOptions.fromPartial({ image });
}

describe('histogram equalisation (CDF mapping of the grey channel)', () => {
  it('maps a tiny image by the documented formula: darkest present level to 0, brightest to 255', () => {
    // Histogram 50:2, 51:1, 52:1 → cdf 2, 3, 4; cdf_min 2, N 4: (cdf-2)/2*255 → 0, 127.5→128, 255.
    const out = equalizeHistogram(Uint8Array.from([50, 50, 51, 52]));
    assert.deepEqual([...out], [0, 0, 128, 255]);
  });

  it('spreads a low-contrast image over the whole range and keeps the order of levels', () => {
    const grey = Uint8Array.from({ length: 400 }, (_, i) => 100 + (i % 21));
    const out = equalizeHistogram(grey);
    assert.equal(Math.min(...out), 0);
    assert.equal(Math.max(...out), 255);
    const table = equalizationTable(grey);
    for (let v = 100; v < 120; v++) assert.ok((table[v] ?? 0) < (table[v + 1] ?? 0), `level ${v} stays below level ${v + 1}`);
  });

  it('leaves an image of one level unchanged (nothing to spread)', () => {
    assert.deepEqual([...equalizeHistogram(Uint8Array.from([7, 7, 7]))], [7, 7, 7]);
  });
});

describe('ingestion service: image normalisation through Ingest', function () {
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

  it('resizes (aspect kept), turns grey and equalises a low-contrast colour PNG, stored as PNG, with a step report', async () => {
    // 40×20 RGB, values 100..120 only: low contrast.
    const width = 40;
    const height = 20;
    const pixels: number[] = [];
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) pixels.push(100 + (x % 21), 100 + (x % 21), 100 + (x % 21));
    const source = await png(pixels, width, height, 3);
    const out = await ingest(svc.client, ingestHeader({ dataset: 'img-norm', cleaning: cleaningWithImage({ maxSidePx: 10, grayscale: true, equalizeHistogram: true }) }), [
      { name: 'low.png', bytes: source },
      { name: 'note.txt', bytes: 'a text record passes through untouched' },
    ]);
    assert.ok(out.ok, out.ok ? '' : out.error.message);
    const records = await recordsOf('img-norm');
    const image = records.find((r) => r.modality === 'image');
    assert.ok(image, 'the image record is in the snapshot');
    assert.equal(image.contentType, 'image/png');
    assert.equal(image.metadata['width'], '10');
    assert.equal(image.metadata['height'], '5');
    assert.equal(image.metadata['original_width'], '40');
    assert.equal(image.metadata['channels'], '1');
    const decoded = await rawOf(image.data);
    assert.equal(decoded.format, 'png');
    assert.deepEqual([decoded.width, decoded.height, decoded.channels], [10, 5, 1]);
    assert.equal(Math.min(...decoded.pixels), 0);
    assert.equal(Math.max(...decoded.pixels), 255);
    const text = records.find((r) => r.modality === 'text');
    assert.equal(Buffer.from(text?.data ?? []).toString('utf8'), 'a text record passes through untouched');
    // Reported like the other steps, in the snapshot's cleaning report.
    const snapshot = await svc.deps.snapshots.open({ dataset: 'img-norm', version: 0 });
    const report = JSON.stringify(await svc.deps.snapshots.manifest(snapshot.info));
    assert.match(report, /"step":"image_normalization"/);
    assert.match(report, /"equalized":1/);
    assert.match(report, /"passed_through":1/);
  });

  it('maps the pixels of a tiny grey image exactly as the CDF formula says, size unchanged', async () => {
    const source = await png([50, 50, 51, 52], 2, 2, 1);
    const out = await ingest(svc.client, ingestHeader({ dataset: 'img-tiny', cleaning: cleaningWithImage({ maxSidePx: 0, grayscale: true, equalizeHistogram: true }) }), [
      { name: 'tiny.png', bytes: source },
    ]);
    assert.ok(out.ok, out.ok ? '' : out.error.message);
    const [image] = await recordsOf('img-tiny');
    assert.ok(image);
    const decoded = await rawOf(image.data);
    assert.deepEqual([decoded.width, decoded.height, decoded.channels], [2, 2, 1]);
    assert.deepEqual([...decoded.pixels], [0, 0, 128, 255]);
  });

  it('keeps images as they came when no image option is set', async () => {
    const source = await png([50, 50, 51, 52], 2, 2, 1);
    const out = await ingest(svc.client, ingestHeader({ dataset: 'img-raw' }), [{ name: 'tiny.png', bytes: source }]);
    assert.ok(out.ok, out.ok ? '' : out.error.message);
    const [image] = await recordsOf('img-raw');
    assert.deepEqual(Buffer.from(image?.data ?? []), source);
  });

  it('refuses equalisation without grayscale and an oversized max side, naming the field, keeping nothing', async () => {
    const source = await png([1, 2, 3, 4], 2, 2, 1);
    const colour = await ingest(svc.client, ingestHeader({ dataset: 'img-bad', cleaning: cleaningWithImage({ maxSidePx: 0, grayscale: false, equalizeHistogram: true }) }), [
      { name: 'x.png', bytes: source },
    ]);
    assert.ok(!colour.ok);
    assert.equal(colour.error.code, status.INVALID_ARGUMENT);
    assert.match(colour.error.details, /header\.cleaning\.image\.equalize_histogram/);
    const big = await ingest(svc.client, ingestHeader({ dataset: 'img-bad', cleaning: cleaningWithImage({ maxSidePx: 100_000, grayscale: false, equalizeHistogram: false }) }), [
      { name: 'x.png', bytes: source },
    ]);
    assert.ok(!big.ok);
    assert.equal(big.error.code, status.INVALID_ARGUMENT);
    assert.match(big.error.details, /header\.cleaning\.image\.max_side_px/);
    assert.equal(await svc.deps.store.getDataset('img-bad'), undefined);
  });
});
