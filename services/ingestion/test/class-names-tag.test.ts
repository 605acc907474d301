import { strict as assert } from 'node:assert';
import { L1g1Error } from '@l1g1/kit';
import { parseClassNamesTag } from '../src/domain/confidence';

describe('the class_names registry tag', () => {
  it('reads a comma-separated list and a JSON array alike, trimming names', () => {
    assert.deepEqual(parseClassNamesTag('ham, spam ,other', 'm v1'), ['ham', 'spam', 'other']);
    assert.deepEqual(parseClassNamesTag(' ["ham", "spam, maybe"] ', 'm v1'), ['ham', 'spam, maybe']);
  });

  it('refuses a JSON-looking value that is not an array of strings with FAILED_PRECONDITION naming class_names', () => {
    for (const bad of ['["ham", 3]', '[not json', '["ham"']) {
      assert.throws(
        () => parseClassNamesTag(bad, 'spam-clf version 2'),
        (e: unknown) => e instanceof L1g1Error && e.kind === 'FAILED_PRECONDITION' && e.field === 'class_names' && /spam-clf version 2/.test(e.message),
      );
    }
  });
});
