import { createHash } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import * as dicomParser from 'dicom-parser';
import type sharpType from 'sharp';
import type { FileSource, ParsedRecord } from '../../domain/record';
import { fullRangeWindow, windowTo8Bit, type DicomWindow } from './dicom-window';
import { libraryDetail, malformedFile } from './malformed-file';

/** What happens to identifiers that point at a person (patient id, study/series uids). */
export type DicomIdentifierPolicy = 'hash' | 'drop';

export interface DicomOptions {
  /** Refuse files larger than this (and deflated data sets that inflate past it). */
  maxBytes: number;
  /** Overrides the file's Window Center/Width (0028,1050/1051). */
  window?: DicomWindow;
  /** Default 'hash': sha256(salt + value), hex, 32 chars; patient names are never kept. */
  identifiers?: DicomIdentifierPolicy;
  /** Salt for hashed identifiers, so ids cannot be matched across deployments by a dictionary. */
  identifierSalt?: string;
  /** sharp, passed in so the caller owns its concurrency and cache settings. */
  sharp: typeof sharpType;
}

/** Transfer syntaxes whose pixel data is stored raw (implicit LE, explicit LE, deflated, explicit BE). */
const RAW_PIXEL_SYNTAXES = new Set([
  '1.2.840.10008.1.2',
  '1.2.840.10008.1.2.1',
  '1.2.840.10008.1.2.1.99',
  '1.2.840.10008.1.2.2',
]);

const IDENTIFIER_TAGS: ReadonlyArray<[string, string]> = [
  ['x00100020', 'patient_id'],
  ['x0020000d', 'study_instance_uid'],
  ['x0020000e', 'series_instance_uid'],
  ['x00080018', 'sop_instance_uid'],
  ['x00080050', 'accession_number'],
];

const PLAIN_TAGS: ReadonlyArray<[string, string]> = [
  ['x00080060', 'modality'],
  ['x00080016', 'sop_class_uid'],
  ['x00180015', 'body_part_examined'],
  ['x00280004', 'photometric_interpretation'],
  ['x00080020', 'study_date'],
];

/**
 * A DICOM Part 10 file → one `medical_image` record: `data` is the first
 * frame windowed to an 8-bit grayscale PNG (rescale slope/intercept first,
 * then the window from options, else the file, else the image's range),
 * `fields.pixel_data` the stored pixel bytes, `metadata` the main tags with
 * identifiers hashed or dropped and no patient name at all.
 */
export async function* parseDicom(
  src: FileSource,
  options: DicomOptions,
  signal?: AbortSignal,
): AsyncIterable<ParsedRecord> {
  const bytes = await src.readAll(options.maxBytes);
  signal?.throwIfAborted();
  const dataSet = parseDataSet(src.name, bytes, options.maxBytes);
  const meta = tagMetadata(dataSet, options);

  const rows = dataSet.uint16('x00280010');
  const columns = dataSet.uint16('x00280011');
  const bitsAllocated = dataSet.uint16('x00280100') ?? 16;
  const samplesPerPixel = dataSet.uint16('x00280002') ?? 1;
  const pixelRepresentation = dataSet.uint16('x00280103') ?? 0;
  const pixel = dataSet.elements['x7fe00010'];
  if (rows === undefined || columns === undefined || !pixel) {
    throw malformedFile(src.name, 'no image: Rows, Columns or Pixel Data (7FE0,0010) is missing', {
      byteOffset: pixel?.dataOffset ?? bytes.byteLength,
    });
  }
  Object.assign(meta, {
    rows: String(rows),
    columns: String(columns),
    bits_allocated: String(bitsAllocated),
    bits_stored: String(dataSet.uint16('x00280101') ?? bitsAllocated),
    samples_per_pixel: String(samplesPerPixel),
    pixel_representation: String(pixelRepresentation),
  });
  const transferSyntax = dataSet.string('x00020010') ?? '1.2.840.10008.1.2';
  meta.transfer_syntax = transferSyntax;
  if (!RAW_PIXEL_SYNTAXES.has(transferSyntax) || pixel.encapsulatedPixelData) {
    throw malformedFile(src.name, `transfer syntax ${transferSyntax} (compressed pixel data) is not supported`, {
      byteOffset: pixel.dataOffset,
    }, { reason: 'UNSUPPORTED_FORMAT' });
  }
  if (samplesPerPixel !== 1 || (bitsAllocated !== 8 && bitsAllocated !== 16)) {
    throw malformedFile(src.name, `only grayscale 8/16-bit images are windowed (samples ${samplesPerPixel}, bits ${bitsAllocated})`, {
      byteOffset: pixel.dataOffset,
    }, { reason: 'UNSUPPORTED_FORMAT' });
  }
  const frameBytes = rows * columns * (bitsAllocated / 8);
  if (pixel.length < frameBytes || pixel.dataOffset + frameBytes > dataSet.byteArray.length) {
    throw malformedFile(src.name, `pixel data holds ${pixel.length} bytes, ${rows}×${columns}×${bitsAllocated / 8} need ${frameBytes}`, {
      byteOffset: pixel.dataOffset,
    });
  }
  const raw = dataSet.byteArray.subarray(pixel.dataOffset, pixel.dataOffset + frameBytes);
  const stored = storedValues(raw, bitsAllocated, pixelRepresentation === 1, transferSyntax === '1.2.840.10008.1.2.2');

  const slope = dataSet.floatString('x00281053') ?? 1;
  const intercept = dataSet.floatString('x00281052') ?? 0;
  const fileCenter = dataSet.floatString('x00281050');
  const fileWidth = dataSet.floatString('x00281051');
  const window =
    options.window ??
    (fileCenter !== undefined && fileWidth !== undefined && fileWidth >= 1
      ? { center: fileCenter, width: fileWidth }
      : fullRangeWindow(stored, slope, intercept));
  const gray = windowTo8Bit({
    stored,
    rescaleSlope: slope,
    rescaleIntercept: intercept,
    window,
    invert: meta.photometric_interpretation === 'MONOCHROME1',
  });
  Object.assign(meta, {
    rescale_slope: String(slope),
    rescale_intercept: String(intercept),
    window_center: String(window.center),
    window_width: String(window.width),
    window_source: options.window ? 'options' : fileCenter !== undefined && fileWidth !== undefined ? 'file' : 'image_range',
  });
  signal?.throwIfAborted();
  const png = await options.sharp(Buffer.from(gray.buffer, gray.byteOffset, gray.byteLength), {
    raw: { width: columns, height: rows, channels: 1 },
  })
    .toColourspace('b-w')
    .png()
    .toBuffer();
  yield {
    modality: 'medical_image',
    contentType: 'image/png',
    data: new Uint8Array(png.buffer, png.byteOffset, png.byteLength),
    metadata: meta,
    fields: { pixel_data: Uint8Array.from(raw), window_8bit: gray },
    position: {},
  };
}

function parseDataSet(name: string, bytes: Uint8Array, maxBytes: number): dicomParser.DataSet {
  try {
    return dicomParser.parseDicom(bytes, {
      // The library's own inflater has no output bound: a deflated data set could be a bomb.
      inflater: (byteArray: Uint8Array, position: number) => {
        const inflated = inflateRawSync(byteArray.subarray(position), { maxOutputLength: maxBytes });
        const whole = new Uint8Array(position + inflated.length);
        whole.set(byteArray.subarray(0, position), 0);
        whole.set(inflated, position);
        return whole;
      },
    } as dicomParser.ParseDicomOptions);
  } catch (err) {
    // The library throws strings, Errors, or {exception, dataSet} once the header was read.
    const partial = err !== null && typeof err === 'object' && 'dataSet' in err
      ? (err as { exception: unknown; dataSet: dicomParser.DataSet })
      : undefined;
    const cause = partial ? partial.exception : err;
    const byteOffset = partial ? endOfLastElement(partial.dataSet) : headerOffset(bytes);
    throw malformedFile(name, `not a readable DICOM file (${libraryDetail(cause)})`, { byteOffset }, { cause });
  }
}

/** Where parsing stopped: the end of the last element read whole. */
function endOfLastElement(dataSet: dicomParser.DataSet): number {
  let end = 132;
  for (const element of Object.values(dataSet.elements)) {
    if (element.dataOffset + element.length <= dataSet.byteArray.length) {
      end = Math.max(end, element.dataOffset + element.length);
    }
  }
  return end;
}

/** A broken preamble/prefix: the "DICM" prefix lives at 128. */
function headerOffset(bytes: Uint8Array): number {
  const prefix = Buffer.from(bytes.subarray(128, 132)).toString('latin1');
  return prefix === 'DICM' ? 132 : 128;
}

function storedValues(raw: Uint8Array, bitsAllocated: number, signed: boolean, bigEndian: boolean): ArrayLike<number> {
  if (bitsAllocated === 8) return signed ? new Int8Array(raw.buffer, raw.byteOffset, raw.length) : raw;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Float64Array(raw.byteLength / 2);
  for (let i = 0; i < out.length; i++) {
    out[i] = signed ? view.getInt16(i * 2, !bigEndian) : view.getUint16(i * 2, !bigEndian);
  }
  return out;
}

function tagMetadata(dataSet: dicomParser.DataSet, options: DicomOptions): Record<string, string> {
  const meta: Record<string, string> = { format: 'dicom' };
  for (const [tag, key] of PLAIN_TAGS) {
    const value = dataSet.string(tag);
    if (value) meta[key] = value;
  }
  const policy = options.identifiers ?? 'hash';
  for (const [tag, key] of IDENTIFIER_TAGS) {
    const value = dataSet.string(tag);
    if (!value || policy === 'drop') continue;
    meta[`${key}_hash`] = createHash('sha256')
      .update(options.identifierSalt ?? '')
      .update(value)
      .digest('hex')
      .slice(0, 32);
  }
  return meta;
}
