import { strict as assert } from 'node:assert';
import { parseSrt, parseVtt } from '../src/parsers/text';
import { assertMalformed, bytesSource, collect, failure, partialThenFailure } from './parsers-text-support';

/** A generated subtitle track: cue k runs from k·2.5 s for 2 s (known times to assert against). */
function srtTrack(cues: number): string {
  const stamp = (ms: number) => {
    const h = Math.floor(ms / 3_600_000);
    const m = Math.floor(ms / 60_000) % 60;
    const s = Math.floor(ms / 1000) % 60;
    return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')},${String(ms % 1000).padStart(3, '0')}`;
  };
  return Array.from({ length: cues }, (_, k) => `${k + 1}\r\n${stamp(k * 2500)} --> ${stamp(k * 2500 + 2000)}\r\nLine ${k + 1}\r\n<i>second</i> line\r\n`).join('\r\n');
}

describe('ingestion parsers: SRT and WebVTT', () => {
  it('SRT: each cue is a timed_text record with start/end µs, index, number, text without tags', async () => {
    const track = srtTrack(30);
    const records = await collect(parseSrt(bytesSource('movie.srt', track, 11)));
    assert.equal(records.length, 30);
    assert.deepEqual(records[0], {
      modality: 'timed_text',
      contentType: 'text/plain',
      data: 'Line 1\nsecond line',
      metadata: { cue_index: '1', cue_id: '1', end_us: '2000000', encoding: 'utf-8' },
      position: { line: 1, byteOffset: 0, startUs: 0, endUs: 2_000_000 },
      timestampUs: 0,
    });
    const last = records[29];
    assert.deepEqual([last?.position.startUs, last?.position.endUs, last?.timestampUs, last?.position.line], [72_500_000, 74_500_000, 72_500_000, 29 * 5 + 1]);
    assert.equal(last?.position.byteOffset, track.indexOf('\r\n30\r\n') + 2);
  });

  it('SRT: a cue without a number, hours beyond 99, ASS override tags removed, a 1-digit fraction read as tenths', async () => {
    const records = await collect(parseSrt(bytesSource('a.srt', '01:02:03,004 --> 101:00:00,5\n{\\an8}Top & center\n')));
    assert.deepEqual([records[0]?.data, records[0]?.position.startUs, records[0]?.position.endUs, records[0]?.metadata['cue_id']], [
      'Top & center',
      3_723_004_000,
      363_600_500_000,
      undefined,
    ]);
  });

  it('SRT: a malformed timestamp fails naming its line and byte offset, after the cues before it', async () => {
    const text = '1\n00:00:01,000 --> 00:00:02,000\nfine\n\n2\n00:00:03,000 --> 00:00:0X,000\nbroken\n';
    const { yielded, err } = await partialThenFailure(parseSrt(bytesSource('bad.srt', text)));
    assert.deepEqual(yielded.map((r) => r.data), ['fine']);
    assertMalformed(err, 'INVALID_TIMESTAMP', { file: 'bad.srt', line: '6', byte_offset: String(text.indexOf('00:00:03')) });
    assert.match(err.message, /"00:00:0X,000" is not a HH:MM:SS,mmm timestamp/);
  });

  it('SRT: a cue ending before it starts, a block without timing, or a missing blank line fail naming the line', async () => {
    assertMalformed(await failure(parseSrt(bytesSource('a.srt', '1\n00:00:05,000 --> 00:00:04,000\nx\n'))), 'INVALID_TIMESTAMP', { file: 'a.srt', line: '2', byte_offset: '2' });
    assertMalformed(await failure(parseSrt(bytesSource('a.srt', '1\n00:00:01,000 --> 00:00:02,000\nx\n\njust text\nmore\n'))), 'MALFORMED_CUE', { file: 'a.srt', line: '6', byte_offset: '45' });
    assertMalformed(await failure(parseSrt(bytesSource('a.srt', 'one\n00:00:01,000 --> 00:00:02,000\nx\n'))), 'MALFORMED_CUE', { file: 'a.srt', line: '1', byte_offset: '0' });
    assertMalformed(await failure(parseSrt(bytesSource('a.srt', '1\n00:00:01,000 --> 00:00:02,000\nx\n2\n00:00:03,000 --> 00:00:04,000\ny\n'))), 'MALFORMED_CUE', { file: 'a.srt', line: '5', byte_offset: '36' });
  });

  const vtt = [
    'WEBVTT - generated',
    'Kind: captions',
    '',
    'NOTE a comment',
    'spanning lines',
    '',
    'STYLE',
    '::cue { color: yellow }',
    '',
    'intro',
    '00:01.000 --> 00:04.250 align:start line:0',
    '<v Roger Bingham>We are in New York City',
    '',
    '01:00:00.000 --> 01:00:02.000',
    'Fish &amp; chips &lt;3',
    '',
  ].join('\n');

  it('WebVTT: header, NOTE and STYLE skipped; cue id, settings, voice and times', async () => {
    const records = await collect(parseVtt(bytesSource('talk.vtt', vtt, 5)));
    assert.deepEqual(records.map((r) => [r.data, r.metadata, r.position]), [
      [
        'We are in New York City',
        { cue_index: '1', end_us: '4250000', encoding: 'utf-8', cue_id: 'intro', cue_settings: 'align:start line:0', voice: 'Roger Bingham' },
        { line: 10, byteOffset: vtt.indexOf('intro'), startUs: 1_000_000, endUs: 4_250_000 },
      ],
      ['Fish & chips <3', { cue_index: '2', end_us: '3602000000', encoding: 'utf-8' }, { line: 14, byteOffset: vtt.indexOf('01:00:00'), startUs: 3_600_000_000, endUs: 3_602_000_000 }],
    ]);
    assert.deepEqual(records.map((r) => r.timestampUs), [1_000_000, 3_600_000_000]);
  });

  it('WebVTT: a file without the WEBVTT line is refused naming line 1; an SRT-style comma timestamp names its line', async () => {
    assertMalformed(await failure(parseVtt(bytesSource('x.vtt', '00:01.000 --> 00:02.000\nhi\n'))), 'MALFORMED_FILE', { file: 'x.vtt', line: '1', byte_offset: '0' });
    assertMalformed(await failure(parseVtt(bytesSource('x.vtt', ''))), 'MALFORMED_FILE', { file: 'x.vtt', line: '1', byte_offset: '0' });
    const err = await failure(parseVtt(bytesSource('x.vtt', 'WEBVTT\n\n00:00:01,000 --> 00:00:02.000\nhi\n')));
    assertMalformed(err, 'INVALID_TIMESTAMP', { file: 'x.vtt', line: '3', byte_offset: '8' });
    assert.match(err.message, /\[HH:\]MM:SS\.mmm/);
  });

  it('WebVTT with a UTF-8 BOM: offsets count the BOM', async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('WEBVTT\n\n00:00.500 --> 00:01.000\nhé\n')]);
    const records = await collect(parseVtt(bytesSource('bom.vtt', bytes)));
    assert.deepEqual(records.map((r) => [r.data, r.position.byteOffset, r.position.startUs]), [['hé', 11, 500_000]]);
  });
});
