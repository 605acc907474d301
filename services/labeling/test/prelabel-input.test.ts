/**
 * How task records become a model's input for a pre-label batch: raw text
 * (with the recipe's metadata lines, as the trainer featurized its records)
 * for a version with a `preprocess` tag, FP32 rows otherwise; a record that
 * does not fit is set aside, not sent.
 */
import { strict as assert } from 'node:assert';
import { common } from '@l1g1/contracts';
import { decodeBytesElements } from '@l1g1/kit';
import type { TaskRow } from '../src/domain/ports';
import { batchInput } from '../src/prelabels/task-input';

function task(id: string, data: string, contentType: string, metadata: Record<string, string> = {}): TaskRow {
  return {
    id,
    projectId: 'p',
    seq: 0,
    record: { id, data: Buffer.from(data), contentType, metadata, timestampUs: 0 },
    source: undefined,
    required: 1,
    annotationCount: 0,
    reservedBy: '',
    reservedUntilMs: 0,
    createdAtMs: 0,
    imageWidth: 0,
    imageHeight: 0,
    seedValue: undefined,
  };
}

describe('labeling: pre-label batch input', () => {
  it('text: one BYTES string per record, the recipe’s metadata fields as leading lines; a non-text record is set aside', () => {
    const b = batchInput({ kind: 'text', inputName: 'text', metadataFields: ['subject'] }, [
      task('1', 'buy now', 'text/plain', { subject: 'offer' }),
      task('2', '\u0000\u0001', 'image/png'),
      task('3', 'hello', 'text/plain'),
    ]);
    assert.deepEqual(b.tasks.map((t) => t.id), ['1', '3']);
    assert.deepEqual(b.unfit.map((t) => t.id), ['2']);
    assert.equal(b.tensor.datatype, common.DataType.DATA_TYPE_BYTES);
    assert.deepEqual(b.tensor.shape, [2]);
    assert.deepEqual(decodeBytesElements(b.tensor.rawData).map((x) => x.toString('utf8')), ['offer\nbuy now', 'hello']);
  });

  it('features: FP32 [rows, dim] from JSON arrays; a wrong width or bad JSON is set aside', () => {
    const b = batchInput({ kind: 'features', inputName: 'x', dim: 2 }, [
      task('1', '[1, 2]', 'application/json'),
      task('2', '[1, 2, 3]', 'application/json'),
      task('3', 'not json', 'application/json'),
      task('4', '[0.5, -1]', 'application/json'),
    ]);
    assert.deepEqual(b.tasks.map((t) => t.id), ['1', '4']);
    assert.deepEqual(b.unfit.map((t) => t.id), ['2', '3']);
    assert.deepEqual(b.tensor.shape, [2, 2]);
    const raw = b.tensor.rawData;
    assert.deepEqual(Array.from(new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4)), [1, 2, 0.5, -1]);
  });
});
