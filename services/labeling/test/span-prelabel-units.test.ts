/**
 * The pure parts of span pre-labels: the tagger check (refusals name
 * `model` with a reason), code-point → UTF-16 offsets, the sequence
 * uncertainty definitions, and one record's decoding into a validated span
 * pre-label. The end-to-end path is span-prelabels.test.ts.
 */
import { strict as assert } from 'node:assert';
import { common, registry } from '@l1g1/contracts';
import { tokenIdsPreprocessTag, tokenize } from '@l1g1/features';
import { L1g1Error } from '@l1g1/kit';
import { sequenceUncertaintyOf } from '../src/active-learning/sequence-uncertainty';
import { codePointToUtf16 } from '../src/prelabels/span-offsets';
import { spanPrelabel } from '../src/prelabels/span-prelabel';
import { planSpanModel } from '../src/prelabels/span-prelabel-plan';

const TAGS = ['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC'];
const signature = (inputType = common.DataType.DATA_TYPE_INT64, tags = TAGS.length) =>
  common.ModelSignature.fromPartial({
    inputs: [{ name: 'token_ids', datatype: inputType, shape: [-1, -1] }],
    outputs: [{ name: 'tag_probabilities', datatype: common.DataType.DATA_TYPE_FP32, shape: [-1, -1, tags] }],
  });
const version = (tags: Record<string, string>) => registry.ModelVersion.fromPartial({ modelName: 'tagger', version: 3, tags });
const taggerTags = { preprocess: tokenIdsPreprocessTag({ vocabSize: 64, maxTokens: 32 }), class_names: JSON.stringify(TAGS) };

function refused(f: () => unknown): L1g1Error {
  try {
    f();
  } catch (err: unknown) {
    assert.ok(err instanceof L1g1Error);
    return err;
  }
  assert.fail('expected a refusal');
}

describe('span pre-labels: tagger check, offsets, sequence uncertainty', () => {
  it('plans a token_ids_v1 tagger whose types are span labels of the project', () => {
    const plan = planSpanModel(version(taggerTags), signature(), ['LOC', 'PER', 'MISC']);
    assert.deepEqual(plan.tagNames, TAGS);
    assert.equal(plan.outputName, 'tag_probabilities');
    assert.deepEqual(plan.input, { kind: 'token_ids', inputName: 'token_ids', recipe: { vocabSize: 64, maxTokens: 32 } });
  });

  it('refuses, naming model: unknown entity types (listed), no tagger recipe, non-IOB2 class names, a wrong input or output', () => {
    const unknown = refused(() => planSpanModel(version(taggerTags), signature(), ['PER']));
    assert.deepEqual([unknown.kind, unknown.field, unknown.reason], ['FAILED_PRECONDITION', 'model', 'MODEL_ENTITY_TYPES_UNKNOWN']);
    assert.match(unknown.message, /LOC/);
    assert.equal(refused(() => planSpanModel(version({ class_names: JSON.stringify(TAGS) }), signature(), ['LOC', 'PER'])).reason, 'MODEL_NOT_A_TAGGER');
    assert.equal(refused(() => planSpanModel(version({ ...taggerTags, class_names: '["cat","dog"]' }), signature(), ['LOC', 'PER'])).reason, 'CLASS_NAMES_NOT_IOB2');
    assert.equal(refused(() => planSpanModel(version(taggerTags), signature(common.DataType.DATA_TYPE_FP32), ['LOC', 'PER'])).reason, 'MODEL_INPUT_UNSUPPORTED');
    assert.equal(refused(() => planSpanModel(version(taggerTags), signature(undefined, 3), ['LOC', 'PER'])).reason, 'MODEL_OUTPUT_UNSUPPORTED');
  });

  it('turns code-point offsets into UTF-16 offsets past astral characters', () => {
    const text = '😀 Ana in 𝔸thens';
    const at = codePointToUtf16(text);
    assert.equal(at(2), 3); // "A" of Ana: after one emoji (2 units) and a space
    assert.equal(text.slice(at(2), at(5)), 'Ana');
    assert.equal(text.slice(at(9), at(16)), '𝔸thens');
    assert.equal(at(16), text.length);
  });

  it('sequence uncertainty: 1 − min top probability, min margin, mean token entropy', () => {
    const u = sequenceUncertaintyOf([
      [0.9, 0.1],
      [0.6, 0.4],
    ]);
    assert.ok(Math.abs(u.leastConfidence - 0.4) < 1e-12);
    assert.ok(Math.abs(u.margin - 0.2) < 1e-12);
    const h = (p: number[]) => -p.reduce((a, v) => a + v * Math.log(v), 0);
    assert.ok(Math.abs(u.entropy - (h([0.9, 0.1]) + h([0.6, 0.4])) / 2) < 1e-12);
    assert.deepEqual(sequenceUncertaintyOf([]), { leastConfidence: 0, margin: 1, entropy: 0 });
  });

  it('decodes one record: argmax tags → CoNLL entities → UTF-16 spans with their text, score the mean chosen probability', () => {
    const text = '🙂 Ana Lima visited Porto';
    const tokens = tokenize(text, 32); // 🙂 Ana Lima visited Porto
    assert.equal(tokens.length, 5);
    const row = (i: number, p: number) => TAGS.map((_, j) => (j === i ? p : (1 - p) / (TAGS.length - 1)));
    const scores = [row(0, 0.9), row(1, 0.8), row(2, 0.7), row(0, 0.6), row(4, 0.5)]; // stray I-LOC opens an entity (CoNLL)
    const p = spanPrelabel(scores, TAGS, text, tokens, ['LOC', 'PER']);
    const spans = p.value.value?.$case === 'ner' ? p.value.value.value.spans : [];
    assert.deepEqual(spans, [
      { start: 3, end: 11, label: 'PER', text: 'Ana Lima' },
      { start: 20, end: 25, label: 'LOC', text: 'Porto' },
    ]);
    assert.ok(Math.abs(p.score - (0.9 + 0.8 + 0.7 + 0.6 + 0.5) / 5) < 1e-12);
    assert.ok(Math.abs(p.uncertainty.leastConfidence - 0.5) < 1e-12);
  });
});
