import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { crc32 } from 'node:zlib';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { L1g1Error } from '@l1g1/kit';
import type { FileSource } from '../../domain/record';
import { ArchiveBudget, archiveLimitError, malformedArchiveError } from './archive-limits';
import { createEntrySource, type EntryItem } from './entry-source';
import { refusedEntryError, unsafeEntryPathError } from './entry-errors';
import { safeEntryPath } from './safe-entry-path';

/**
 * Writes the zip to a temporary file: a zip's directory sits at its end, so
 * reading it as it streams in would trust the local headers, which a bomb
 * or a smuggled entry can forge. The spool is bounded by `maxZipBytes`.
 */
async function spool(source: FileSource, path: string, budget: ArchiveBudget): Promise<void> {
  const out = createWriteStream(path, { flags: 'wx' });
  let written = 0;
  try {
    for await (const chunk of source.stream()) {
      written += chunk.byteLength;
      if (written > budget.limits.maxZipBytes) {
        throw archiveLimitError(source.name, 'maxZipBytes', budget.limits.maxZipBytes, `the zip is larger than ${budget.limits.maxZipBytes} bytes`);
      }
      if (!out.write(chunk)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'close');
  } catch (err) {
    out.destroy();
    throw err;
  }
}

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    // decodeStrings off: yauzl would fail the whole archive on one `../` name; we refuse that entry alone.
    yauzl.open(path, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true }, (err, zip) =>
      err ? reject(err) : resolve(zip),
    );
  });
}

/** The central directory, read whole before any entry is inflated: counts and declared sizes are checked first. */
function readDirectory(zip: yauzl.ZipFile, onEntry: (entry: yauzl.Entry) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      try {
        onEntry(entry);
        zip.readEntry();
      } catch (err) {
        reject(err);
      }
    });
    zip.once('end', () => resolve());
    zip.once('error', reject);
    zip.readEntry();
  });
}

function openEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Readable> {
  return new Promise((resolve, reject) => zip.openReadStream(entry, (err, stream) => (err ? reject(err) : resolve(stream))));
}

function entryName(entry: yauzl.Entry): string {
  const raw = entry.fileName as unknown as Buffer; // decodeStrings: false hands the raw bytes
  return yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, raw, entry.extraFields, false);
}

/** The unix file type bits yauzl leaves in the external attributes: 0o120000 is a symbolic link. */
function isSymlink(entry: yauzl.Entry): boolean {
  return ((entry.externalFileAttributes >>> 16) & 0o170000) === 0o120000;
}

/**
 * A zip's entries as sources named `<archive>/<path>`, in directory order.
 * Refused before anything is inflated: more entries than allowed, an entry
 * declaring more than the per-entry or total size, a ratio past the limit.
 * While streaming, real sizes are counted too (yauzl also checks them
 * against the declared ones). The spool file is removed however it ends.
 */
export async function* zipEntries(source: FileSource, budget: ArchiveBudget, tmpDir: string): AsyncGenerator<EntryItem> {
  const path = join(tmpDir, `l1g1-zip-${randomUUID()}.zip`);
  let zip: yauzl.ZipFile | undefined;
  try {
    await spool(source, path, budget);
    try {
      zip = await openZip(path);
    } catch (err) {
      throw malformedArchiveError(source.name, undefined, 'no readable zip directory', err);
    }
    const opened = zip;
    if (opened.entryCount > budget.limits.maxEntries) {
      throw archiveLimitError(source.name, 'maxEntries', budget.limits.maxEntries, `it lists ${opened.entryCount} entries`);
    }
    const listed: yauzl.Entry[] = [];
    let declaredTotal = 0;
    try {
      await readDirectory(opened, (entry) => {
        listed.push(entry);
        const name = entryName(entry);
        if (name.endsWith('/')) return; // a directory
        budget.checkDeclared(source.name, name, entry.uncompressedSize, entry.compressedSize);
        declaredTotal += entry.uncompressedSize;
        if (declaredTotal > budget.limits.maxTotalBytes) {
          throw archiveLimitError(source.name, 'maxTotalBytes', budget.limits.maxTotalBytes, `entries declare more than ${budget.limits.maxTotalBytes} bytes in all`);
        }
      });
    } catch (err) {
      if (err instanceof L1g1Error) throw err;
      throw malformedArchiveError(source.name, undefined, 'unreadable zip directory', err);
    }
    for (const entry of listed) {
      const raw = entryName(entry);
      if (raw.endsWith('/') || raw.endsWith('\\')) continue;
      budget.countEntry(source.name);
      const safe = safeEntryPath(raw);
      const shown = `${source.name}/${safe ?? raw}`;
      if (safe === undefined) {
        yield { kind: 'skipped', name: `${source.name}/${raw}`, error: unsafeEntryPathError(source.name, raw) };
        continue;
      }
      if (isSymlink(entry)) {
        yield { kind: 'skipped', name: shown, error: refusedEntryError(source.name, safe, 'a symbolic link') };
        continue;
      }
      if ((entry.generalPurposeBitFlag & 0x1) !== 0) {
        yield { kind: 'skipped', name: shown, error: refusedEntryError(source.name, safe, 'encrypted') };
        continue;
      }
      const offset = entry.relativeOffsetOfLocalHeader;
      const item = createEntrySource(
        shown,
        entry.uncompressedSize,
        async function* () {
          let stream: Readable;
          try {
            stream = await openEntry(opened, entry);
          } catch (err) {
            throw malformedArchiveError(source.name, offset, `entry ${safe} cannot be opened`, err);
          }
          // yauzl checks sizes but not the CRC: a flipped bit inside stored data would pass unseen.
          let crc = 0;
          try {
            for await (const chunk of stream) {
              crc = crc32(chunk as Buffer, crc);
              yield chunk as Buffer;
            }
          } catch (err) {
            if (err instanceof L1g1Error) throw err;
            throw malformedArchiveError(source.name, offset, `entry ${safe} is corrupt`, err);
          } finally {
            stream.destroy();
          }
          if (crc !== entry.crc32) throw malformedArchiveError(source.name, offset, `entry ${safe} fails its CRC-32 check`);
        },
        (soFar, chunk) => budget.addBytes(source.name, safe, soFar, chunk),
      );
      yield { kind: 'file', source: item };
    }
  } finally {
    zip?.close();
    await rm(path, { force: true });
  }
}
