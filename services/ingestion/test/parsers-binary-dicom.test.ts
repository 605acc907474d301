import assert from 'node:assert/strict';
import sharp from 'sharp';
import { parseDicom } from '../src/parsers/binary';
import { windowTo8Bit } from '../src/parsers/binary/dicom-window';
import { collect, malformedError, memorySource } from './parsers-binary-support';
import { dicomFile } from './format-fixtures';

describe('ingestion binary parsers: DICOM', () => {
  it('windows rescaled pixels with the file centre/width into an 8-bit grayscale PNG, exactly', async () => {
    const [record, ...rest] = await collect(
      parseDicom(memorySource('scan.dcm', dicomFile({ center: '40', width: '400' })), { maxBytes: 1 << 20, sharp }),
    );
    assert.equal(rest.length, 0);
    assert.ok(record);
    assert.equal(record.modality, 'medical_image');
    assert.equal(record.contentType, 'image/png');
    // m = stored − 1024; c 40, w 400: m ≤ −160 → 0, m > 239 → 255, else ((m − 39.5)/399 + 0.5)·255.
    const expected = [0, 38, 102, 128, 255, 255];
    assert.deepEqual(Array.from(record.fields?.window_8bit as Uint8Array), expected);
    const png = sharp(Buffer.from(record.data as Uint8Array));
    const info = await png.metadata();
    assert.deepEqual([info.format, info.width, info.height, info.channels], ['png', 3, 2, 1]);
    const decoded = await png.extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual(Array.from(decoded.data), expected);
    assert.equal((record.fields?.pixel_data as Uint8Array).byteLength, 12);
    assert.equal(record.metadata.modality, 'CT');
    assert.equal(record.metadata.rows, '2');
    assert.equal(record.metadata.columns, '3');
    assert.equal(record.metadata.bits_allocated, '16');
    assert.equal(record.metadata.bits_stored, '12');
    assert.equal(record.metadata.window_source, 'file');
  });

  it('lets the options override the file window', async () => {
    const [record] = await collect(
      parseDicom(memorySource('scan.dcm', dicomFile({ center: '40', width: '400' })), {
        maxBytes: 1 << 20,
        sharp,
        window: { center: 0, width: 2048 },
      }),
    );
    // c 0, w 2048: ((m + 0.5)/2047 + 0.5)·255 for m in −1000, −100, 0, 40, 239, 1000.
    assert.deepEqual(Array.from(record?.fields?.window_8bit as Uint8Array), [3, 115, 128, 133, 157, 252]);
    assert.equal(record?.metadata.window_source, 'options');
  });

  it('keeps no patient name and only salted hashes of identifiers by default; drops them on request', async () => {
    const file = dicomFile({ center: '40', width: '400' });
    const [hashed] = await collect(parseDicom(memorySource('scan.dcm', file), { maxBytes: 1 << 20, sharp, identifierSalt: 's' }));
    const values = Object.values(hashed?.metadata ?? {}).join('|');
    assert.ok(!values.includes('Doe') && !values.includes('PAT-123') && !values.includes('1.2.3.4.5'), values);
    assert.match(hashed?.metadata.patient_id_hash ?? '', /^[0-9a-f]{32}$/);
    const [other] = await collect(parseDicom(memorySource('scan.dcm', file), { maxBytes: 1 << 20, sharp, identifierSalt: 't' }));
    assert.notEqual(other?.metadata.patient_id_hash, hashed?.metadata.patient_id_hash);
    const [dropped] = await collect(parseDicom(memorySource('scan.dcm', file), { maxBytes: 1 << 20, sharp, identifiers: 'drop' }));
    assert.equal(dropped?.metadata.patient_id_hash, undefined);
    assert.equal(dropped?.metadata.study_instance_uid_hash, undefined);
  });

  it('a truncated DICOM is INVALID_ARGUMENT naming the file and the byte offset where the pixel data element begins', async () => {
    const file = dicomFile({ center: '40', width: '400' });
    const err = await malformedError(parseDicom(memorySource('cut.dcm', file.subarray(0, file.length - 5)), { maxBytes: 1 << 20, sharp }));
    assert.equal(err.reason, 'MALFORMED_FILE');
    assert.equal(err.metadata.file, 'cut.dcm');
    // The OW element: a 12-byte header, then 12 bytes of pixels; the parser stops where that element starts.
    assert.equal(err.metadata.byteOffset, String(file.length - 24));
    assert.match(err.message, /^cut\.dcm at byte offset \d+: /);
  });

  it('a file without the DICM prefix is refused at byte offset 128', async () => {
    const err = await malformedError(parseDicom(memorySource('junk.dcm', Buffer.alloc(300, 7)), { maxBytes: 1 << 20, sharp }));
    assert.equal(err.reason, 'MALFORMED_FILE');
    assert.equal(err.metadata.byteOffset, '128');
    assert.equal(err.metadata.file, 'junk.dcm');
  });

  it('reads a deflated data set, and refuses one that inflates past maxBytes (no unbounded inflate)', async () => {
    const file = dicomFile({ center: '40', width: '400', deflate: true });
    const [record] = await collect(parseDicom(memorySource('d.dcm', file), { maxBytes: 1 << 20, sharp }));
    assert.deepEqual(Array.from(record?.fields?.window_8bit as Uint8Array), [0, 38, 102, 128, 255, 255]);
    const bomb = dicomFile({ center: '40', width: '400', deflate: true, pixels: new Array(50_000).fill(0), rows: 20_000 });
    assert.ok(bomb.length < 2000, 'the fixture compresses well');
    const err = await malformedError(parseDicom(memorySource('bomb.dcm', bomb), { maxBytes: 4096, sharp }));
    assert.equal(err.metadata.file, 'bomb.dcm');
    assert.match(err.message, /larger than 4096 bytes/);
  });

  it('pixel data shorter than Rows × Columns needs is INVALID_ARGUMENT at the pixel data offset', async () => {
    const file = dicomFile({ center: '40', width: '400', rows: 4 });
    const err = await malformedError(parseDicom(memorySource('short.dcm', file), { maxBytes: 1 << 20, sharp }));
    assert.equal(err.reason, 'MALFORMED_FILE');
    assert.equal(err.metadata.byteOffset, String(file.length - 12));
    assert.match(err.message, /pixel data holds 12 bytes/);
  });

  it('windowTo8Bit applies slope and intercept before the window and inverts MONOCHROME1', () => {
    const out = windowTo8Bit({ stored: [0, 50, 100], rescaleSlope: 2, rescaleIntercept: -100, window: { center: 0.5, width: 201 }, invert: true });
    // m = −100, 0, 100; low −100, high 100: 0, ((0 − 0)/200 + 0.5)·255 = 127.5 → 128, 255; inverted.
    assert.deepEqual(Array.from(out), [255, 127, 0]);
  });
});
