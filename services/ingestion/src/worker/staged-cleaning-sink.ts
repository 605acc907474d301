/**
 * The pipeline's record sink inside the worker thread. A file's records are
 * staged on disk (v8-serialised, length-prefixed) until the file parses to
 * its end: only then do they go through the cleaning steps and out, so a
 * file that fails half-way leaves no trace in the dedupe indexes or the
 * snapshot, and memory stays bounded whatever the file's size.
 */
import { errors } from '@l1g1/kit';
import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { CleaningPipeline } from '../domain/cleaning/cleaning-pipeline';
import { storedFromParsed } from '../domain/ingest/stored-from-parsed';
import type { RecordSink } from '../domain/pipeline';
import type { ParsedRecord } from '../domain/record';
import type { StoredRecord } from '../domain/snapshot/stored-record';

export interface StagedSinkOptions {
  stagingDir: string;
  pipeline: CleaningPipeline;
  /** The client's record_metadata for a file of the upload (archive entries: their archive's). */
  metadataFor(file: string): Record<string, string>;
  /** Called for every kept record, awaited (backpressure). */
  emit(record: StoredRecord): Promise<void>;
  /** Abort once this many files failed; 0: never. */
  maxErrors: number;
  onCounters(c: { rowsRead: number; rowsKept: number; filesFailed: number; filesRead: number }): void;
}

export function createStagedCleaningSink(options: StagedSinkOptions): RecordSink {
  const path = join(options.stagingDir, 'current-file.stage');
  let fd: number | undefined;
  let staged = 0;
  let rowsRead = 0;
  let rowsKept = 0;
  let filesFailed = 0;
  let filesRead = 0;
  const report = (): void => options.onCounters({ rowsRead, rowsKept, filesFailed, filesRead });

  const reset = (): void => {
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
    staged = 0;
    rmSync(path, { force: true });
  };

  function* readStaged(): Generator<ParsedRecord> {
    if (fd === undefined) return;
    closeSync(fd);
    fd = openSync(path, 'r');
    const header = Buffer.alloc(4);
    let position = 0;
    for (let i = 0; i < staged; i++) {
      readSync(fd, header, 0, 4, position);
      const length = header.readUInt32LE(0);
      const body = Buffer.alloc(length);
      readSync(fd, body, 0, length, position + 4);
      position += 4 + length;
      // Written by `write` below from a ParsedRecord.
      yield deserialize(body) as ParsedRecord;
    }
  }

  return {
    async write(_file, record) {
      fd ??= openSync(path, 'w');
      const body = serialize(record);
      const header = Buffer.alloc(4);
      header.writeUInt32LE(body.length, 0);
      writeSync(fd, header);
      writeSync(fd, body);
      staged += 1;
    },
    async commitFile(file) {
      const clientMetadata = options.metadataFor(file);
      try {
        for (const record of readStaged()) {
          rowsRead += 1;
          // The synchronous path when there is no async step: no promise per record on the hot path.
          const outcome = options.pipeline.hasAsyncSteps ? await options.pipeline.applyAsync(record, { file }) : options.pipeline.apply(record, { file });
          if (outcome.kind !== 'kept') continue;
          rowsKept += 1;
          await options.emit(storedFromParsed(outcome.record, file, clientMetadata));
        }
      } finally {
        reset();
      }
      filesRead += 1;
      report();
    },
    async discardFile(file) {
      reset();
      filesFailed += 1;
      report();
      if (options.maxErrors > 0 && filesFailed >= options.maxErrors) {
        throw errors.invalidArgument('header.max_errors', `${filesFailed} files failed to parse (the last: ${file}); the upload was aborted at max_errors=${options.maxErrors}`, {
          reason: 'MAX_ERRORS_REACHED',
        });
      }
    },
  };
}
