import { strict as assert } from 'node:assert';
import { status, type ServiceError } from '@grpc/grpc-js';
import { ingestion } from '@l1g1/contracts';
import type { Job } from '@l1g1/kit';
import { createSeededRandom } from '../src/domain/privacy';
import type { StoredRecord } from '../src/domain/snapshot/stored-record';
import { parseSrt } from '../src/parsers/text';
import { collectAll, storedFromParsed, streamOf } from './analytics-support';
import { bytesSource, collect } from './parsers-text-support';
import { startTestIngestion, type TestIngestion } from './support/start-ingestion';

function unary<Res>(invoke: (cb: (err: ServiceError | null, res: Res) => void) => unknown): Promise<Res> {
  return new Promise((resolve, reject) => {
    invoke((err, res) => (err ? reject(err) : resolve(res)));
  });
}

const publishInput = (dataset: string) => ({
  dataset, origin: 'upload', jobId: 'test', parents: [], description: '', tags: {}, createdBy: 'tests', counts: {}, cleaning: {}, cleaningReport: {}, uploadReport: {}, sources: [],
});

const srtTime = (ms: number): string => {
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)},${pad(ms % 1000, 3)}`;
};

async function waitForJob(svc: TestIngestion, id: string): Promise<Job> {
  // Bounded: 200 polls of 50 ms.
  for (let i = 0; i < 200; i += 1) {
    const job = await svc.deps.jobs.get(id);
    if (job && (job.state === 'succeeded' || job.state === 'failed' || job.state === 'cancelled')) return job;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`job ${id} did not finish`);
}

describe('AlignStreams as an ingestion.align job over gRPC', () => {
  let svc: TestIngestion;
  const offsetMs = 3_250;
  before(async () => {
    svc = await startTestIngestion();
    const random = createSeededRandom(5);
    const startsMs: number[] = [];
    for (let t = 2_000, i = 0; i < 60; i += 1, t += 1_500 + Math.floor(random() * 3_000)) startsMs.push(t);
    const srt = startsMs.map((s, i) => `${i + 1}\n${srtTime(s)} --> ${srtTime(s + 1_000)}\ncue ${i + 1}\n`).join('\n');
    const cues = (await collect(parseSrt(bytesSource('talk.srt', srt, 128)))).map((r) => storedFromParsed(r, 'srt'));
    const audio: StoredRecord[] = startsMs.map((s, i) => ({
      id: `seg-${String(i).padStart(3, '0')}`,
      modality: 'audio',
      contentType: 'audio/wav',
      data: new Uint8Array([i]),
      metadata: { cue: String(i + 1) },
      timestampUs: (s - offsetMs) * 1000 + Math.round((random() * 2 - 1) * 15_000),
    }));
    await svc.deps.publisher.publish(publishInput('subtitles'), streamOf(cues));
    await svc.deps.publisher.publish(publishInput('audio'), streamOf(audio));
  });
  after(async () => {
    await svc.close();
  });

  const request = (o: Partial<ingestion.AlignStreamsRequest> = {}): ingestion.AlignStreamsRequest => ({
    streams: [
      { name: 'subtitles', snapshot: { name: 'subtitles', snapshot: 0 }, filter: undefined, clockOffsetUs: 0, estimateOffset: false },
      { name: 'audio', snapshot: { name: 'audio', snapshot: 1 }, filter: undefined, clockOffsetUs: 0, estimateOffset: true },
    ],
    toleranceUs: 100_000,
    match: ingestion.AlignMatch.ALIGN_MATCH_NEAREST,
    keepPartial: false,
    outputDataset: 'talk-aligned',
    description: 'cues with their audio',
    idempotencyKey: '',
    ...o,
  });

  it('recovers the clock offset, publishes the aligned snapshot (origin align) and answers the result on the job', async () => {
    const submitted = await unary<ingestion.IngestionJob>((cb) => svc.client.alignStreams(request(), cb));
    assert.equal(submitted.kind, ingestion.IngestionJobKind.INGESTION_JOB_KIND_ALIGN);
    assert.equal(submitted.request?.$case, 'alignRequest');
    const job = await waitForJob(svc, submitted.status?.jobId ?? '');
    assert.equal(job.state, 'succeeded', JSON.stringify(job.error));
    const result = ingestion.AlignResult.fromJSON(job.result);
    assert.ok(Math.abs((result.offsetUsByStream['audio'] ?? 0) - offsetMs * 1000) <= 15_000, `offset ${result.offsetUsByStream['audio']}`);
    assert.equal(result.fullyAligned, 60);
    assert.equal(result.unmatchedByStream['audio'], 0);
    assert.deepEqual(result.output, { name: 'talk-aligned', snapshot: 1 });

    const opened = await svc.deps.snapshots.open({ dataset: 'talk-aligned', version: 1 });
    assert.equal(opened.info.origin, 'align');
    assert.deepEqual(opened.info.parents, [{ dataset: 'subtitles', version: 1 }, { dataset: 'audio', version: 1 }]);
    const records = await collectAll(opened.records());
    assert.equal(records.length, 60);
    for (const r of records) {
      const cue = Buffer.from(r.data).toString('utf8').replace('cue ', '');
      assert.equal(r.metadata['aligned.audio.ids'], `seg-${String(Number(cue) - 1).padStart(3, '0')}`, `cue ${cue}`);
    }
  });

  it('refuses a bad request with INVALID_ARGUMENT naming the field, before any job exists', async () => {
    const cases: [ingestion.AlignStreamsRequest, RegExp][] = [
      [request({ toleranceUs: 0 }), /tolerance_us/],
      [request({ streams: request().streams.slice(0, 1) }), /streams/],
      [request({ outputDataset: 'Bad Name' }), /output_dataset/],
      [request({ streams: [request().streams[0]!, { ...request().streams[1]!, clockOffsetUs: 5 }] }), /streams\[1\]\.clock_offset_us/],
    ];
    const alignJobs = async (): Promise<number> => (await svc.deps.jobs.list()).filter((j) => j.kind === 'ingestion.align').length;
    const before = await alignJobs();
    for (const [req, field] of cases) {
      const err = await unary((cb) => svc.client.alignStreams(req, cb)).then(() => undefined, (e: ServiceError) => e);
      assert.equal(err?.code, status.INVALID_ARGUMENT);
      assert.match(err?.details ?? '', field);
    }
    assert.equal(await alignJobs(), before);
  });
});
