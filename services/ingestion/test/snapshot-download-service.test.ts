import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import type { ingestion } from '@l1g1/contracts';
import { asL1g1Error, type L1g1Error } from '@l1g1/kit';
import { MAX_DOWNLOAD_CHUNK_BYTES } from '../src/handlers/download-handlers';
import type { SnapshotRow } from '../src/domain/ports';
import { binaryRecord, textRecord } from './snapshot-support';
import { publishTestSnapshot } from './support/publish-test-snapshot';
import { startTestIngestion, type TestIngestion } from './support/start-ingestion';

type Chunk = ingestion.DownloadSnapshotChunk;

/** Every chunk of a DownloadSnapshot stream, or the stream's error as an L1g1Error. */
function download(svc: TestIngestion, req: Partial<ingestion.DownloadSnapshotRequest>): Promise<Chunk[]> {
  return new Promise((resolve, reject) => {
    const chunks: Chunk[] = [];
    const call = svc.client.downloadSnapshot({ snapshot: { name: 'big', snapshot: 0 }, offset: 0, length: 0, ...req });
    call.on('data', (c: Chunk) => chunks.push(c));
    call.on('error', (err: Error) => reject(asL1g1Error(err)));
    call.on('end', () => resolve(chunks));
  });
}

async function rejection(p: Promise<unknown>): Promise<L1g1Error> {
  try {
    await p;
  } catch (err) {
    return err as L1g1Error;
  }
  throw new Error('expected the call to fail');
}

/** The published Parquet file, read straight from the blob store (what the RPC must reproduce). */
async function blobBytes(svc: TestIngestion, row: SnapshotRow): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of svc.deps.blobs.openRead(row.dataSha256)) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

describe('ingestion DownloadSnapshot through the real gRPC service', () => {
  let svc: TestIngestion;
  let row: SnapshotRow;
  let file: Buffer;
  before(async () => {
    svc = await startTestIngestion();
    // Incompressible payloads, so the Parquet file spans more than one 1 MiB chunk.
    const records = [0, 1, 2].map((i) => binaryRecord(`r${i}`, randomBytes(700 * 1024), 'image', 'image/png'));
    row = await publishTestSnapshot(svc.deps, 'big', [...records, textRecord('t0')]);
    file = await blobBytes(svc, row);
  });
  after(async () => {
    await svc.close();
  });

  it('streams the whole Parquet file in chunks of at most 1 MiB; the first names size, sha256 and the resolved version', async () => {
    const chunks = await download(svc, {});
    assert.ok(chunks.length >= 2, `the ${file.length}-byte file came in ${chunks.length} chunk(s)`);
    assert.ok(chunks.every((c) => c.data.length <= MAX_DOWNLOAD_CHUNK_BYTES));
    const body = Buffer.concat(chunks.map((c) => c.data));
    assert.equal(chunks[0]!.totalSize, file.length);
    assert.equal(chunks[0]!.sha256, row.dataSha256);
    assert.equal(chunks[0]!.version, 1);
    assert.equal(createHash('sha256').update(body).digest('hex'), row.dataSha256);
    assert.ok(body.subarray(0, 4).equals(Buffer.from('PAR1')));
  });

  it('offset and length select exactly that slice, across a chunk boundary', async () => {
    const offset = MAX_DOWNLOAD_CHUNK_BYTES - 10;
    const chunks = await download(svc, { snapshot: { name: 'big', snapshot: 1 }, offset, length: 25 });
    assert.deepEqual(Buffer.concat(chunks.map((c) => c.data)), file.subarray(offset, offset + 25));
    assert.equal(chunks[0]!.totalSize, file.length);
    // From an offset to the end (length 0).
    const tail = await download(svc, { offset: file.length - 4 });
    assert.deepEqual(Buffer.concat(tail.map((c) => c.data)).toString('latin1'), 'PAR1');
  });

  it('an offset at or beyond the size is INVALID_ARGUMENT naming offset; a length past the end names length', async () => {
    const beyond = await rejection(download(svc, { offset: file.length }));
    assert.equal(beyond.grpcCode, status.INVALID_ARGUMENT);
    assert.equal(beyond.field, 'offset');
    const negative = await rejection(download(svc, { offset: -1 }));
    assert.equal(negative.field, 'offset');
    const tooLong = await rejection(download(svc, { offset: 10, length: file.length }));
    assert.equal(tooLong.grpcCode, status.INVALID_ARGUMENT);
    assert.equal(tooLong.field, 'length');
  });

  it('an unknown version or dataset is NOT_FOUND naming it', async () => {
    const version = await rejection(download(svc, { snapshot: { name: 'big', snapshot: 9 } }));
    assert.equal(version.grpcCode, status.NOT_FOUND);
    assert.match(version.message, /big.*9/);
    const dataset = await rejection(download(svc, { snapshot: { name: 'nothing', snapshot: 0 } }));
    assert.equal(dataset.grpcCode, status.NOT_FOUND);
    assert.match(dataset.message, /nothing/);
  });
});
