import { strict as assert } from 'node:assert';
import {
  createCleaningPipeline,
  createLanguageFilterStep,
  createLengthFilterStep,
  createNormalizeTextStep,
  createStripHtmlStep,
  detectScript,
  looksLikeHtml,
  normalizeText,
  PASSED_THROUGH_BINARY,
  stripHtml,
} from '../src/domain/cleaning';
import type { ParsedRecord } from '../src/domain/record';
import { textRecord, throwsL1g1 } from './cleaning-support';

const ctx = { file: 'notes.txt' };

describe('cleaning: text normalisation', () => {
  it('applies NFKC (full-width letters, ligatures, compatibility digits) and normalises whitespace', () => {
    const input = '  Ｈｅｌｌｏ\u00A0\u00A0wörld\u200B!\r\n\r\n\r\n\t ﬁne  \u3000①  \n  last\tline ';
    assert.equal(normalizeText(input), 'Hello wörld!\n\nfine 1\nlast line');
  });

  it('is idempotent, so hashing normalised text twice gives one id', () => {
    const once = normalizeText('a\u00A0 b\r\n\r\n\r\nc\uFEFF');
    assert.equal(normalizeText(once), once);
  });

  it('reports changed records with an example naming file and position, and leaves binary payloads alone', () => {
    const step = createNormalizeTextStep();
    const changed = step.apply(textRecord('ｆｕｌｌ  width', { line: 7 }), ctx);
    const same = step.apply(textRecord('already clean', { line: 8 }), ctx);
    const bytes = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);
    const image: ParsedRecord = { modality: 'image', contentType: 'image/png', data: bytes, metadata: {}, position: { byteOffset: 0 } };
    const binary = step.apply(image, { file: 'a.png' });
    assert.deepEqual(changed.kind === 'kept' && changed.record.data, 'full width');
    assert.equal(same.kind === 'kept' && same.record.data, 'already clean');
    assert.equal(binary.kind === 'kept' && binary.record.data, bytes);
    const report = step.report();
    assert.equal(report.seen, 3);
    assert.equal(report.kept, 3);
    assert.equal(report.changed, 1);
    assert.equal(report.counters[PASSED_THROUGH_BINARY], 1);
    assert.deepEqual(report.examples, [
      { reason: 'changed', file: 'notes.txt', position: 'line 7', before: 'ｆｕｌｌ  width', after: 'full width' },
    ]);
  });
});

describe('cleaning: HTML stripping', () => {
  it('keeps the visible text: entities decoded, scripts and styles dropped, blocks on their own lines', () => {
    const html =
      '<!doctype html><html><head><title>T</title><style>p{color:red}</style></head><body>' +
      '<h1>Caf&eacute; &amp; bar</h1><script>alert("x")</script><p>First   para<br>second line</p>' +
      '<ul><li>one</li><li>two &lt;3</li></ul><pre>  keep   spaces</pre><p>broken <b>markup</body>';
    assert.equal(stripHtml(html), 'Café & bar\n\nFirst para\nsecond line\n\none\n\ntwo <3\n\nkeep   spaces\n\nbroken markup');
  });

  it('leaves plain text that merely contains < and > untouched', () => {
    const step = createStripHtmlStep();
    const text = 'if a < b && c > d then 5 > 3';
    assert.equal(looksLikeHtml(text), false);
    const outcome = step.apply(textRecord(text), ctx);
    assert.equal(outcome.kind === 'kept' && outcome.record.data, text);
    assert.equal(step.report().changed, 0);
  });

  it('strips a text/html record even without tags the detector would see, and counts the change', () => {
    const step = createStripHtmlStep();
    const outcome = step.apply(textRecord('Fish &amp; chips', { line: 1 }, { contentType: 'text/html' }), ctx);
    assert.equal(outcome.kind === 'kept' && outcome.record.data, 'Fish & chips');
    assert.equal(step.report().changed, 1);
  });
});

describe('cleaning: length filter', () => {
  it('drops texts outside [min, max] code points with too_short / too_long, counting CJK as one char each', () => {
    const step = createLengthFilterStep({ minChars: 3, maxChars: 5 });
    const outcomes = ['ab', '你好吗', '😀😀😀😀😀', 'abcdef'].map((t, i) => step.apply(textRecord(t, { line: i + 1 }), ctx));
    assert.deepEqual(
      outcomes.map((o) => (o.kind === 'kept' ? 'kept' : o.reason)),
      ['too_short', 'kept', 'kept', 'too_long'],
    );
    const report = step.report();
    assert.deepEqual(report.droppedByReason, { too_short: 1, too_long: 1 });
    assert.deepEqual(
      report.examples.map((e) => [e.reason, e.position, e.detail]),
      [
        ['too_short', 'line 1', '2 chars < 3'],
        ['too_long', 'line 4', '6 chars > 5'],
      ],
    );
  });

  it('refuses a max below the min, naming the field', () => {
    throwsL1g1(() => createLengthFilterStep({ minChars: 10, maxChars: 5 }), 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', 'max_chars');
  });
});

describe('cleaning: script-based language filter', () => {
  it('names the languages a script decides and only the script otherwise', () => {
    assert.deepEqual(
      [
        '这是一个中文句子，用于测试。',
        'これは日本語の文章です。漢字も含む。',
        '이것은 한국어 문장입니다',
        'Ελληνικά κείμενα εδώ',
        'The quick brown fox',
        'Съешь же ещё этих мягких булок',
        '12345 !!!',
      ].map((t) => {
        const d = detectScript(t);
        return `${d.language}/${d.script}`;
      }),
      ['zh/han', 'ja/kana', 'ko/hangul', 'el/greek', 'und/latin', 'und/cyrillic', 'und/none'],
    );
  });

  it('keeps allowed languages or scripts, drops others and mixed texts, keeps letterless texts as undetermined', () => {
    const step = createLanguageFilterStep({ allow: ['zh', 'latin'], minShare: 0.7 });
    const texts = ['中文内容很好', 'plain English text', 'русский текст', 'half English половина русский', '42 + 7 = 49'];
    const outcomes = texts.map((t, i) => step.apply(textRecord(t, { line: i + 1 }), ctx));
    assert.deepEqual(
      outcomes.map((o) => (o.kind === 'kept' ? 'kept' : o.reason)),
      ['kept', 'kept', 'language_not_allowed', 'mixed_script', 'kept'],
    );
    const report = step.report();
    assert.deepEqual(report.counters, { kept_zh: 1, kept_latin: 1, undetermined: 1 });
    assert.equal(report.examples[0]?.detail, 'und (cyrillic, 100% of 12 letters)');
  });

  it('refuses an unknown language code, naming the entry', () => {
    throwsL1g1(() => createLanguageFilterStep({ allow: ['latin', 'english'] }), 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', 'allow[1]');
  });
});

describe('cleaning: pipeline', () => {
  it('runs steps in order, stops at the first drop, and merges per-step reports', () => {
    const pipeline = createCleaningPipeline([
      createStripHtmlStep(),
      createNormalizeTextStep(),
      createLengthFilterStep({ minChars: 4 }),
    ]);
    const inputs = ['<p>Hello&nbsp;&nbsp;world</p>', '<b>hi</b>', '  Ｏｋａｙ  text ', ''];
    const outcomes = inputs.map((t, i) => pipeline.apply(textRecord(t, { line: i + 1 }), { file: 'page.html' }));
    assert.deepEqual(
      outcomes.map((o) => (o.kind === 'kept' ? o.record.data : `${o.step}/${o.reason}`)),
      ['Hello world', 'length_filter/too_short', 'Okay text', 'length_filter/too_short'],
    );
    const report = pipeline.report();
    assert.equal(report.input, 4);
    assert.equal(report.kept, 2);
    assert.equal(report.dropped, 2);
    assert.deepEqual(report.droppedBy, { 'length_filter/too_short': 2 });
    assert.deepEqual(report.steps.map((s) => [s.step, s.seen, s.changed, s.dropped]), [
      ['strip_html', 4, 2, 0],
      ['normalize_text', 4, 2, 0],
      ['length_filter', 4, 0, 2],
    ]);
    assert.deepEqual(report.steps[2]?.examples.map((e) => `${e.file} ${e.position}`), ['page.html line 2', 'page.html line 4']);
  });

  it('keeps at most three examples per reason, however many records change', () => {
    const pipeline = createCleaningPipeline([createNormalizeTextStep()]);
    for (let i = 0; i < 50; i += 1) pipeline.apply(textRecord(` padded ${i} `, { line: i + 1 }), ctx);
    const [normalize] = pipeline.report().steps;
    assert.equal(normalize?.changed, 50);
    assert.equal(normalize?.examples.length, 3);
  });

  it('redacts PII in every step\'s examples, unless told not to', () => {
    const text = ' mail bob@example.org or call 13800138000 ';
    const redacted = createCleaningPipeline([createNormalizeTextStep()]);
    redacted.apply(textRecord(text), ctx);
    assert.deepEqual(redacted.report().steps[0]?.examples.map((e) => [e.before, e.after]), [
      [' mail [EMAIL] or call [CN_MOBILE] ', 'mail [EMAIL] or call [CN_MOBILE]'],
    ]);
    const raw = createCleaningPipeline([createNormalizeTextStep()], { redactExamples: false });
    raw.apply(textRecord(text), ctx);
    assert.equal(raw.report().steps[0]?.examples[0]?.before, text);
  });

  it('does not show a dropped record to later steps', () => {
    const later = createNormalizeTextStep();
    const pipeline = createCleaningPipeline([createLengthFilterStep({ minChars: 100 }), later]);
    pipeline.apply(textRecord('short'), ctx);
    assert.equal(later.report().seen, 0);
  });
});
