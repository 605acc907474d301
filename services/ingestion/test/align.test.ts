import { strict as assert } from 'node:assert';
import { L1g1Error } from '@l1g1/kit';
import { alignStreams, DEFAULT_ALIGN_LIMITS, estimateClockOffset, type AlignOptions } from '../src/domain/align';
import { createSeededRandom } from '../src/domain/privacy';
import type { StoredRecord } from '../src/domain/snapshot/stored-record';
import { parseSrt } from '../src/parsers/text';
import { storedFromParsed, streamOf } from './analytics-support';
import { bytesSource, collect } from './parsers-text-support';

function srtTime(us: number): string {
  const ms = Math.round(us / 1000);
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)},${pad(ms % 1000, 3)}`;
}

/** Cues at irregular known times (so no period makes a wrong offset look right). */
function cueStartsUs(count: number, seed: number): number[] {
  const random = createSeededRandom(seed);
  const starts: number[] = [];
  let t = 1_000_000;
  for (let i = 0; i < count; i += 1) {
    starts.push(t);
    t += 1000 * (1500 + Math.floor(random() * 3000)); // whole ms, as SRT writes them
  }
  return starts;
}

async function subtitleRecords(starts: readonly number[]): Promise<StoredRecord[]> {
  const srt = starts.map((s, i) => `${i + 1}\n${srtTime(s)} --> ${srtTime(s + 1_200_000)}\nline ${i + 1}\n`).join('\n');
  return (await collect(parseSrt(bytesSource('movie.srt', srt, 64)))).map((r) => storedFromParsed(r, 'srt'));
}

/** Audio segments recorded on a clock `offsetUs` behind the subtitles, with ±jitter. */
function audioSegments(starts: readonly number[], offsetUs: number, jitterUs: number, seed: number): StoredRecord[] {
  const random = createSeededRandom(seed);
  return starts.map((s, i) => {
    const t = s - offsetUs + Math.round((random() * 2 - 1) * jitterUs);
    return {
      id: `audio-${i}`,
      modality: 'audio',
      contentType: 'audio/wav',
      data: new Uint8Array([i & 0xff]),
      metadata: { end_us: String(t + 1_000_000) },
      timestampUs: t,
    };
  });
}

const options = (o: Partial<AlignOptions> = {}): AlignOptions => ({
  toleranceUs: 100_000,
  match: 'nearest',
  keepPartial: false,
  ...DEFAULT_ALIGN_LIMITS,
  ...o,
});

describe('alignment: subtitle cues and audio segments by timestamp', () => {
  it('recovers a known clock offset from a generated SRT and jittered audio segments, and pairs every cue with its segment', async () => {
    const starts = cueStartsUs(120, 7);
    const subtitles = await subtitleRecords(starts);
    const offsetUs = 2_350_000;
    const audio = audioSegments(starts, offsetUs, 20_000, 8);

    const out = await alignStreams(
      [
        { name: 'subtitles', records: streamOf(subtitles) },
        { name: 'audio', records: streamOf(audio), clockOffset: { kind: 'estimate' } },
      ],
      options(),
    );

    const audioSummary = out.streams.get('audio');
    assert.ok(audioSummary);
    assert.equal(audioSummary.offsetEstimated, true);
    assert.ok(Math.abs(audioSummary.offsetUs - offsetUs) <= 20_000, `estimated ${audioSummary.offsetUs}, expected ${offsetUs} ± 20 ms`);
    assert.equal(out.fullyAligned, 120);
    assert.equal(out.records.length, 120);
    out.records.forEach((r, i) => {
      assert.equal(r.metadata['aligned.audio.ids'], `audio-${i}`, `cue ${i + 1}`);
      assert.ok(Math.abs(Number(r.metadata['aligned.audio.delta_us'])) <= 40_000);
      assert.equal(r.metadata['text'] ?? Buffer.from(r.data).toString('utf8'), `line ${i + 1}`);
    });
    assert.equal(audioSummary.unmatchedCount, 0);
    assert.ok(audioSummary.meanAbsDeltaUs > 0 && audioSummary.meanAbsDeltaUs <= 40_000);
  });

  it('without the offset (given 0) the same streams do not align, so the estimate is what pairs them', async () => {
    const starts = cueStartsUs(40, 7);
    const out = await alignStreams(
      [
        { name: 'subtitles', records: streamOf(await subtitleRecords(starts)) },
        { name: 'audio', records: streamOf(audioSegments(starts, 2_350_000, 20_000, 8)) },
      ],
      options(),
    );
    const rightPairs = out.records.filter((r, i) => r.metadata['aligned.audio.ids'] === `audio-${i}`);
    assert.equal(rightPairs.length, 0);
    assert.ok(out.fullyAligned < 10, `only chance matches expected, got ${out.fullyAligned}`);
  });

  it('still finds the offset when a third of the segments are missing and stray ones are added', () => {
    const starts = cueStartsUs(90, 3);
    const anchor = starts.map((s, i) => ({ id: `c${i}`, startUs: s, endUs: s + 1_000_000 }));
    const random = createSeededRandom(4);
    const stream = starts
      .filter((_, i) => i % 3 !== 0)
      .map((s, i) => ({ id: `a${i}`, startUs: s + 7_000_000 + Math.round((random() * 2 - 1) * 30_000), endUs: 0 }))
      .concat(Array.from({ length: 20 }, (_, i) => ({ id: `x${i}`, startUs: Math.floor(random() * 300_000_000), endUs: 0 })))
      .sort((a, b) => a.startUs - b.startUs);
    const estimate = estimateClockOffset(anchor, stream, 100_000);
    assert.ok(estimate);
    assert.ok(Math.abs(estimate.offsetUs - -7_000_000) <= 30_000, `estimated ${estimate.offsetUs}`);
  });

  it('uses a given clock offset as it is and reports it', async () => {
    const starts = cueStartsUs(10, 11);
    const out = await alignStreams(
      [
        { name: 'subtitles', records: streamOf(await subtitleRecords(starts)) },
        { name: 'audio', records: streamOf(audioSegments(starts, 500_000, 0, 1)), clockOffset: { kind: 'given', offsetUs: 500_000 } },
      ],
      options(),
    );
    assert.equal(out.streams.get('audio')?.offsetUs, 500_000);
    assert.equal(out.fullyAligned, 10);
    assert.equal(out.records[3]?.metadata['aligned.audio.delta_us'], '0');
  });

  it('window mode takes every record overlapping [start - tolerance, end + tolerance] of the anchor cue', async () => {
    const anchor: StoredRecord[] = [
      { id: 'cue1', modality: 'timed_text', contentType: 'text/plain', data: new Uint8Array(), metadata: { end_us: '2000000' }, timestampUs: 1_000_000 },
      { id: 'cue2', modality: 'timed_text', contentType: 'text/plain', data: new Uint8Array(), metadata: { end_us: '6000000' }, timestampUs: 5_000_000 },
    ];
    const sensor = [900_000, 1_500_000, 2_050_000, 2_300_000, 4_000_000, 5_500_000].map((t, i) => ({
      id: `s${i}`,
      modality: 'table_row' as const,
      contentType: 'application/json',
      data: new Uint8Array(),
      metadata: {},
      timestampUs: t,
    }));
    const out = await alignStreams(
      [
        { name: 'cues', records: streamOf(anchor) },
        { name: 'sensor', records: streamOf(sensor) },
      ],
      options({ match: 'window', toleranceUs: 100_000 }),
    );
    assert.equal(out.records[0]?.metadata['aligned.sensor.ids'], 's0,s1,s2');
    assert.equal(out.records[0]?.metadata['aligned.sensor.delta_us'], '-100000,500000,1050000');
    assert.equal(out.records[1]?.metadata['aligned.sensor.ids'], 's5');
    assert.deepEqual(out.streams.get('sensor')?.unmatchedIds, ['s3', 's4']);
    assert.equal(out.streams.get('sensor')?.unmatchedCount, 2);
  });

  it('keeps partial tuples when asked, naming the stream they miss, and lists unmatched records (capped, count exact)', async () => {
    const at = (id: string, t: number): StoredRecord => ({ id, modality: 'text', contentType: 'text/plain', data: new Uint8Array(), metadata: {}, timestampUs: t });
    const anchor = [at('a1', 1_000_000), at('a2', 2_000_000), at('a3', 3_000_000)];
    const b = [at('b1', 1_010_000), at('b2', 2_020_000), at('b9', 9_000_000), at('b10', 10_000_000), at('b11', 11_000_000)];
    const c = [at('c1', 1_000_000), { ...at('c-untimed', 0), timestampUs: undefined } as StoredRecord];
    delete (c[1] as { timestampUs?: number }).timestampUs;
    const streams = () => [
      { name: 'a', records: streamOf(anchor) },
      { name: 'b', records: streamOf(b) },
      { name: 'c', records: streamOf(c) },
    ];

    const dropped = await alignStreams(streams(), options({ maxUnmatchedIds: 2 }));
    assert.deepEqual(dropped.records.map((r) => r.id), ['a1']);
    assert.equal(dropped.dropped, 2);

    const kept = await alignStreams(streams(), options({ keepPartial: true, maxUnmatchedIds: 2 }));
    assert.deepEqual(kept.records.map((r) => r.id), ['a1', 'a2', 'a3']);
    assert.equal(kept.fullyAligned, 1);
    assert.equal(kept.partiallyAligned, 2);
    assert.equal(kept.records[1]?.metadata['aligned.missing'], 'c');
    assert.equal(kept.records[2]?.metadata['aligned.missing'], 'b,c');
    assert.equal(kept.records[2]?.metadata['aligned.b.ids'], '');
    const bSummary = kept.streams.get('b');
    assert.equal(bSummary?.unmatchedCount, 3);
    assert.deepEqual(bSummary?.unmatchedIds, ['b9', 'b10']);
    assert.equal(bSummary?.unmatchedTruncated, true);
    assert.deepEqual(kept.streams.get('c')?.unmatchedIds, ['c-untimed']);
    assert.equal(kept.streams.get('b')?.meanAbsDeltaUs, 15_000);
  });

  it('refuses a stream past the sort cap with an error naming the stream, and bad options naming the field', async () => {
    const many = Array.from({ length: 11 }, (_, i) => ({ id: `r${i}`, modality: 'text' as const, contentType: 'text/plain', data: new Uint8Array(), metadata: {}, timestampUs: i }));
    const err = await alignStreams(
      [
        { name: 'a', records: streamOf(many.slice(0, 3)) },
        { name: 'big', records: streamOf(many) },
      ],
      options({ maxRecordsPerStream: 10 }),
    ).catch((e: unknown) => e);
    assert.ok(err instanceof L1g1Error);
    assert.equal(err.kind, 'FAILED_PRECONDITION');
    assert.equal(err.reason, 'ALIGN_STREAM_TOO_LARGE');
    assert.match(err.message, /stream big has more than 10 records/);

    const bad = await alignStreams([{ name: 'a', records: streamOf([]) }, { name: 'b', records: streamOf([]) }], options({ toleranceUs: 0 })).catch((e: unknown) => e);
    assert.ok(bad instanceof L1g1Error);
    assert.equal(bad.field, 'tolerance_us');
    const anchorEstimate = await alignStreams(
      [{ name: 'a', records: streamOf([]), clockOffset: { kind: 'estimate' } }, { name: 'b', records: streamOf([]) }],
      options(),
    ).catch((e: unknown) => e);
    assert.ok(anchorEstimate instanceof L1g1Error);
    assert.equal(anchorEstimate.field, 'streams[0].estimate_offset');
  });
});
