import assert from 'node:assert/strict';
import sharp from 'sharp';
import { WaveFile } from 'wavefile';
import { parseImage, parseWav } from '../src/parsers/binary';
import { collect, malformedError, memorySource } from './parsers-binary-support';
import { rawImage, wavBytes } from './format-fixtures';

const image = () => sharp(rawImage(), { raw: { width: 4, height: 2, channels: 3 } });

describe('ingestion binary parsers: images and WAV', () => {
  for (const format of ['png', 'jpeg', 'webp'] as const) {
    it(`${format}: width, height, channels and format in metadata, the file's bytes as data`, async () => {
      const bytes = new Uint8Array(await image().toFormat(format).toBuffer());
      const [record, ...rest] = await collect(parseImage(memorySource(`p.${format}`, bytes), { maxBytes: 1 << 20, sharp }));
      assert.equal(rest.length, 0);
      assert.equal(record?.modality, 'image');
      assert.equal(record?.contentType, `image/${format}`);
      assert.deepEqual(
        [record?.metadata.format, record?.metadata.width, record?.metadata.height, record?.metadata.channels],
        [format, '4', '2', '3'],
      );
      assert.deepEqual(record?.data, bytes);
      assert.equal(record?.fields, undefined, 'no tensor unless asked');
    });
  }

  it('a normalised float32 HWC tensor in [0, 1], resized to the requested size, on request', async () => {
    const bytes = new Uint8Array(await image().png().toBuffer());
    const [same] = await collect(parseImage(memorySource('p.png', bytes), { maxBytes: 1 << 20, sharp, tensor: { width: 4, height: 2 } }));
    const tensor = same?.fields?.tensor as Float32Array;
    assert.ok(tensor instanceof Float32Array);
    assert.deepEqual(same?.fields?.tensor_shape, [2, 4, 3]);
    // HWC: row by row, pixel by pixel, R G B; red on the left half, blue on the right.
    const row = [1, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 1];
    assert.deepEqual(Array.from(tensor), [...row, ...row]);
    // Resizing a uniform colour keeps it exactly, whatever the kernel: 51, 102, 153 → 0.2, 0.4, 0.6.
    const uniform = await sharp({ create: { width: 7, height: 5, channels: 3, background: { r: 51, g: 102, b: 153 } } }).png().toBuffer();
    const [resized] = await collect(parseImage(memorySource('u.png', uniform), { maxBytes: 1 << 20, sharp, tensor: { width: 3, height: 2 } }));
    assert.deepEqual(resized?.fields?.tensor_shape, [2, 3, 3]);
    assert.deepEqual(Array.from(resized?.fields?.tensor as Float32Array), Array.from(new Float32Array(Array(6).fill([0.2, 0.4, 0.6]).flat())));
    const [gray] = await collect(parseImage(memorySource('p.png', bytes), { maxBytes: 1 << 20, sharp, tensor: { width: 4, height: 2, channels: 1 } }));
    assert.deepEqual(gray?.fields?.tensor_shape, [2, 4, 1]);
    assert.equal((gray?.fields?.tensor as Float32Array).length, 8);
    for (const v of gray?.fields?.tensor as Float32Array) assert.ok(v > 0 && v < 1, `gray of a saturated colour is strictly between 0 and 1, got ${v}`);
  });

  it('a corrupt image is INVALID_ARGUMENT naming the file; a GIF is UNSUPPORTED_FORMAT', async () => {
    const png = await image().png().toBuffer();
    const err = await malformedError(parseImage(memorySource('bad.png', png.subarray(0, 20)), { maxBytes: 1 << 20, sharp }));
    assert.equal(err.reason, 'MALFORMED_FILE');
    assert.equal(err.metadata.file, 'bad.png');
    const gif = await image().gif().toBuffer();
    const unsupported = await malformedError(parseImage(memorySource('a.gif', gif), { maxBytes: 1 << 20, sharp }));
    assert.equal(unsupported.reason, 'UNSUPPORTED_FORMAT');
  });

  it('an image with more pixels than maxPixels is refused', async () => {
    const bytes = await image().png().toBuffer();
    const err = await malformedError(parseImage(memorySource('p.png', bytes), { maxBytes: 1 << 20, sharp, maxPixels: 4 }));
    assert.equal(err.reason, 'FILE_TOO_LARGE');
    assert.equal(err.metadata.file, 'p.png');
  });

  it('WAV: sample rate, channels, bit depth and duration; the whole file as one audio record', async () => {
    const bytes = wavBytes();
    const [record, ...rest] = await collect(parseWav(memorySource('a.wav', bytes), { maxBytes: 1 << 20 }));
    assert.equal(rest.length, 0);
    assert.equal(record?.modality, 'audio');
    assert.equal(record?.contentType, 'audio/wav');
    assert.deepEqual(record?.metadata, {
      format: 'wav', sample_rate: '8000', channels: '2', bit_depth: '16', frames: '8000', duration_us: '1000000',
    });
    assert.deepEqual(record?.position, { startUs: 0, endUs: 1_000_000 });
    assert.deepEqual(record?.data, bytes);
  });

  it('WAV: fixed-length segments, each its own WAV with the right samples and time range', async () => {
    const records = await collect(parseWav(memorySource('a.wav', wavBytes()), { maxBytes: 1 << 20, segmentUs: 300_000 }));
    assert.deepEqual(records.map((r) => [r.position.startUs, r.position.endUs, r.metadata.segment_frames]), [
      [0, 300_000, '2400'],
      [300_000, 600_000, '2400'],
      [600_000, 900_000, '2400'],
      [900_000, 1_000_000, '800'],
    ]);
    const second = new WaveFile(records[1]?.data as Uint8Array);
    const samples = second.getSamples(true, Int16Array) as unknown as Int16Array;
    assert.equal(samples.length, 2400 * 2);
    assert.deepEqual([samples[0], samples[1], samples[samples.length - 2]], [2400, -2400, 4799]);
  });

  it('WAV: a truncated data chunk names the file and the byte offset where it ends; garbage is refused at 0', async () => {
    const bytes = wavBytes();
    const cut = bytes.subarray(0, bytes.length - 1000);
    const err = await malformedError(parseWav(memorySource('cut.wav', cut), { maxBytes: 1 << 20 }));
    assert.equal(err.reason, 'MALFORMED_FILE');
    assert.deepEqual(err.metadata, { file: 'cut.wav', byteOffset: String(cut.length) });
    const junk = await malformedError(parseWav(memorySource('junk.wav', Buffer.alloc(100, 3)), { maxBytes: 1 << 20 }));
    assert.deepEqual(junk.metadata, { file: 'junk.wav', byteOffset: '0' });
  });
});
