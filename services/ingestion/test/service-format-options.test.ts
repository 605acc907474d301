import { strict as assert } from 'node:assert';
import { status } from '@grpc/grpc-js';
import sharp from 'sharp';
import { WaveFile } from 'wavefile';
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

  const mail = [
    'From: Alice <alice@example.com>',
    'To: bob@example.com',
    'Subject: Quarterly numbers',
    'X-Spam-Flag: YES',
    'Date: Tue, 01 Dec 2026 10:00:00 +0000',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/html; charset=utf-8',
    '',
    '<p>The <b>numbers</b> are in.</p>',
    '--b1',
    'Content-Type: text/plain; name="notes.txt"',
    'Content-Disposition: attachment; filename="notes.txt"',
    '',
    'attached notes',
    '--b1--',
    '',
  ].join('\r\n');

  it('without EmailOptions: body as text, no subject prepended, the attachment a nested record (the parser defaults)', async () => {
    const out = await ingest(svc.client, ingestHeader({ dataset: 'mail-default' }), [{ name: 'm.eml', bytes: mail }]);
    assert.ok(out.ok, out.ok ? '' : out.error.message);
    const records = await recordsOf('mail-default');
    const body = records.find((r) => r.metadata['parent'] === undefined);
    assert.equal(body?.contentType, 'text/plain');
    assert.match(Buffer.from(body?.data ?? []).toString('utf8'), /^The numbers are in\./);
    assert.equal(records.filter((r) => r.metadata['parent'] !== undefined).length, 1);
  });

  it('EmailOptions: chosen headers into metadata, HTML kept, subject prepended, attachments counted but not extracted', async () => {
    const out = await ingest(
      svc.client,
      ingestHeader({ dataset: 'mail-opts', formatOptions: { $case: 'email', value: { headers: ['X-Spam-Flag', 'subject'], keepHtml: true, includeSubject: true, extractAttachments: false } } }),
      [{ name: 'm.eml', bytes: mail }],
    );
    assert.ok(out.ok, out.ok ? '' : out.error.message);
    const records = await recordsOf('mail-opts');
    assert.equal(records.length, 1, 'no attachment record');
    const [body] = records;
    assert.equal(body?.metadata['header.x-spam-flag'], 'YES');
    assert.equal(body?.metadata['header.subject'], 'Quarterly numbers');
    assert.equal(body?.metadata['header.from'], undefined, 'only the headers asked for');
    assert.equal(body?.metadata['attachment_count'], '1');
    assert.equal(body?.contentType, 'text/html');
    const text = Buffer.from(body?.data ?? []).toString('utf8');
    assert.ok(text.startsWith('Quarterly numbers\n\n<p>The <b>numbers</b> are in.</p>'), text);
  });

  it('EmailOptions with defaults: the proto default headers, subject prepended, attachments not extracted', async () => {
    const out = await ingest(svc.client, ingestHeader({ dataset: 'mail-proto-defaults', formatOptions: { $case: 'email', value: { headers: [], keepHtml: false, includeSubject: undefined, extractAttachments: false } } }), [
      { name: 'm.eml', bytes: mail },
    ]);
    assert.ok(out.ok, out.ok ? '' : out.error.message);
    const records = await recordsOf('mail-proto-defaults');
    assert.equal(records.length, 1);
    const [body] = records;
    assert.deepEqual(
      ['header.from', 'header.to', 'header.subject', 'header.date', 'header.content-type'].map((k) => body?.metadata[k] !== undefined),
      [true, true, true, true, true],
    );
    assert.match(Buffer.from(body?.data ?? []).toString('utf8'), /^Quarterly numbers\n\nThe numbers are in\./);
  });

  /** One second of 16-bit stereo at 8 kHz: left 1000, right 3000 (mono mean 2000). */
  function stereoWav(): Buffer {
    const wav = new WaveFile();
    const frames = 8000;
    const samples = new Int16Array(frames * 2);
    for (let i = 0; i < frames; i++) {
      samples[2 * i] = 1000;
      samples[2 * i + 1] = 3000;
    }
    wav.fromScratch(2, 8000, '16', samples);
    return Buffer.from(wav.toBuffer());
  }

  it('AudioOptions mono + sample_rate_hz + segment_ms: segments of one channel at the new rate, the mean of the channels', async () => {
    const out = await ingest(
      svc.client,
      ingestHeader({ dataset: 'audio-opts', formatOptions: { $case: 'audio', value: { segmentMs: 500, sampleRateHz: 4000, mono: true } } }),
      [{ name: 'stereo.wav', bytes: stereoWav() }],
    );
    assert.ok(out.ok, out.ok ? '' : out.error.message);
    const records = (await recordsOf('audio-opts')).sort((a, b) => Number(a.metadata['segment']) - Number(b.metadata['segment']));
    assert.equal(records.length, 2);
    for (const r of records) {
      const wav = new WaveFile(Buffer.from(r.data));
      const fmt = wav.fmt as { numChannels: number; sampleRate: number };
      assert.deepEqual([fmt.numChannels, fmt.sampleRate], [1, 4000]);
      assert.deepEqual([r.metadata['channels'], r.metadata['sample_rate'], r.metadata['original_channels'], r.metadata['original_sample_rate']], ['1', '4000', '2', '8000']);
      assert.equal(r.metadata['segment_frames'], '2000');
      const samples = wav.getSamples(true, Float64Array) as Float64Array;
      const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
      // The resampler's low-pass filter ripples at the edges; the level stays the mean of the channels.
      assert.ok(Math.abs(mean - 2000) < 100, `mean ${mean}`);
    }
  });

  it('a sample_rate_hz out of range is INVALID_ARGUMENT naming header.audio.sample_rate_hz', async () => {
    const out = await ingest(svc.client, ingestHeader({ dataset: 'audio-bad', formatOptions: { $case: 'audio', value: { segmentMs: 0, sampleRateHz: 5, mono: false } } }), [
      { name: 'stereo.wav', bytes: stereoWav() },
    ]);
    assert.ok(!out.ok);
    assert.equal(out.error.code, status.INVALID_ARGUMENT);
    assert.match(out.error.details, /header\.audio\.sample_rate_hz/);
  });
});
