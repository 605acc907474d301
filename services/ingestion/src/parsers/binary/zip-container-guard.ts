import { fromBuffer, type Entry, type ZipFile } from 'yauzl';
import { libraryDetail, malformedFile } from './malformed-file';

/** Bounds on a zip-based document (XLSX, DOCX) before a library inflates it whole in memory. */
export interface ZipContainerLimits {
  /** Most entries (default 10,000). */
  maxEntries: number;
  /** Most bytes all entries declare once inflated (default 256 MiB). */
  maxUncompressedBytes: number;
  /** Highest inflated/compressed ratio of an entry over 1 MiB inflated (default 200; bombs reach 1000+). */
  maxCompressionRatio: number;
}

export const DEFAULT_ZIP_CONTAINER_LIMITS: Readonly<ZipContainerLimits> = {
  maxEntries: 10_000,
  maxUncompressedBytes: 256 * 1024 * 1024,
  maxCompressionRatio: 200,
};

/** Small XML parts compress very well and harmlessly; the ratio only matters past this size. */
const RATIO_FLOOR_BYTES = 1024 * 1024;

/**
 * Reads the zip's central directory (yauzl, nothing inflated) and refuses a
 * container whose entries would inflate past the limits: exceljs and mammoth
 * inflate every part in memory, so a zip bomb must be stopped before them.
 */
export async function checkZipContainer(name: string, bytes: Uint8Array, limits: ZipContainerLimits): Promise<void> {
  let zip: ZipFile;
  try {
    zip = await openZip(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (err) {
    throw malformedFile(name, `not a zip container (${libraryDetail(err)})`, {}, { cause: err });
  }
  if (zip.entryCount > limits.maxEntries) {
    zip.close();
    throw malformedFile(name, `${zip.entryCount} zip entries exceed the limit of ${limits.maxEntries}`, {}, { reason: 'FILE_TOO_LARGE' });
  }
  let total = 0;
  await new Promise<void>((resolve, reject) => {
    const fail = (err: unknown) => {
      zip.close();
      reject(err);
    };
    zip.on('entry', (entry: Entry) => {
      total += entry.uncompressedSize;
      if (total > limits.maxUncompressedBytes) {
        fail(malformedFile(name, `entries inflate past ${limits.maxUncompressedBytes} bytes`, {}, { reason: 'FILE_TOO_LARGE' }));
        return;
      }
      const ratio = entry.uncompressedSize / Math.max(1, entry.compressedSize);
      if (entry.uncompressedSize > RATIO_FLOOR_BYTES && ratio > limits.maxCompressionRatio) {
        fail(malformedFile(name, `entry ${entry.fileName} inflates ${Math.round(ratio)}× (limit ${limits.maxCompressionRatio}×)`, {}, {
          reason: 'COMPRESSION_RATIO_EXCEEDED',
        }));
        return;
      }
      zip.readEntry();
    });
    zip.once('end', () => resolve());
    zip.once('error', (err: unknown) => fail(malformedFile(name, `unreadable zip directory (${libraryDetail(err)})`, {}, { cause: err })));
    zip.readEntry();
  });
}

function openZip(buffer: Buffer): Promise<ZipFile> {
  return new Promise((resolve, reject) => {
    fromBuffer(buffer, { lazyEntries: true }, (err, zip) => (err ? reject(err) : resolve(zip)));
  });
}
