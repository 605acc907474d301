/**
 * The validation hold-out used when a snapshot has no validation split:
 * stratified by label, every class of 2 or more in both parts, the same
 * records for the same seed whatever order the records arrive in.
 */
import { strict as assert } from 'node:assert';
import { L1g1Error } from '@l1g1/kit';
import { holdOut, type CollectedRecords } from '../src/domain/jobs/training-data';

/** `counts[label]` records per label, interleaved; payload = the record's number. */
function examples(counts: Record<string, number>): CollectedRecords {
  const ex: CollectedRecords = { records: [], labels: [] };
  const labels = Object.keys(counts);
  const left = { ...counts };
  let n = 0;
  while (Object.values(left).some((c) => c > 0)) {
    labels.forEach((label) => {
      if ((left[label] ?? 0) <= 0) return;
      left[label] = (left[label] ?? 0) - 1;
      ex.records.push({ id: `r${n}`, data: Buffer.from(String(n)), metadata: { label } });
      ex.labels.push(label);
      n++;
    });
  }
  return ex;
}

const countBy = (labels: string[]): Record<string, number> => labels.reduce<Record<string, number>>((acc, l) => ({ ...acc, [l]: (acc[l] ?? 0) + 1 }), {});

function reversed(ex: CollectedRecords): CollectedRecords {
  return { records: [...ex.records].reverse(), labels: [...ex.labels].reverse() };
}

const idsOf = (part: CollectedRecords): string[] => part.records.map((r) => r.id);

describe('trainer: stratified validation hold-out', () => {
  it('holds out each class in proportion (round(fraction × class size))', () => {
    const { train, validation } = holdOut(examples({ ham: 100, spam: 30, rare: 7 }), 0.2, 42);
    assert.deepEqual(countBy(validation.labels), { ham: 20, spam: 6, rare: 1 });
    assert.deepEqual(countBy(train.labels), { ham: 80, spam: 24, rare: 6 });
  });

  it('puts every class with at least 2 examples in both parts, even at extreme fractions; a single example stays in training', () => {
    const ex = examples({ big: 200, two: 2, three: 3, one: 1 });
    const small = holdOut(ex, 0.01, 1);
    assert.deepEqual(countBy(small.validation.labels), { big: 2, two: 1, three: 1 });
    const large = holdOut(ex, 0.95, 1);
    assert.deepEqual(countBy(large.train.labels), { big: 10, two: 1, three: 1, one: 1 });
    assert.equal(large.validation.labels.includes('one'), false);
  });

  it('is deterministic for a seed whatever the record order, and another seed holds out other records', () => {
    const ex = examples({ a: 50, b: 50 });
    const first = holdOut(ex, 0.3, 7);
    const again = holdOut(reversed(ex), 0.3, 7);
    assert.deepEqual(idsOf(again.validation).sort(), idsOf(first.validation).sort());
    const other = holdOut(ex, 0.3, 8);
    assert.notDeepEqual(idsOf(other.validation).sort(), idsOf(first.validation).sort());
    assert.deepEqual(countBy(other.validation.labels), countBy(first.validation.labels));
  });

  it('keeps each record with its own payload and label, in record order, nothing lost or doubled', () => {
    const ex = examples({ a: 9, b: 4 });
    const { train, validation } = holdOut(ex, 0.25, 3);
    assert.deepEqual([...idsOf(train), ...idsOf(validation)].sort(), idsOf(ex).sort());
    for (const part of [train, validation]) {
      part.records.forEach((r, i) => {
        const n = Number(r.id.slice(1));
        assert.equal(Buffer.from(r.data).toString(), String(n), `payload of ${r.id}`);
        assert.equal(part.labels[i], ex.labels[n]);
      });
      const numbers = idsOf(part).map((id) => Number(id.slice(1)));
      assert.deepEqual(numbers, [...numbers].sort((x, y) => x - y), 'record order kept');
    }
  });

  it('refuses a fraction outside (0, 1) naming the field', () => {
    assert.throws(() => holdOut(examples({ a: 2 }), 1, 0), (e: unknown) => e instanceof L1g1Error && e.field === 'spec.data.validation_fraction');
  });
});
