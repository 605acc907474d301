import { strict as assert } from 'node:assert';
import { common, ingestion } from '@l1g1/contracts';
import { L1g1Error } from '@l1g1/kit';
import { enumName, parseEnum } from '../src/routes/ingestion/enum-names';
import { folderLabel } from '../src/routes/ingestion/folder-label';

describe('gateway: ingestion enums and labels in the /v1 dialect', () => {
  it('enum values are their proto names without the prefix, lowercase, both ways', () => {
    assert.equal(enumName(ingestion.SourceFormat, 'SOURCE_FORMAT_', ingestion.SourceFormat.SOURCE_FORMAT_IMAGE_PNG), 'image_png');
    assert.equal(enumName(common.JobState, 'JOB_STATE_', common.JobState.JOB_STATE_SUCCEEDED), 'succeeded');
    assert.equal(parseEnum(ingestion.DedupeMode, 'DEDUPE_MODE_', 'near', 'dedupe'), ingestion.DedupeMode.DEDUPE_MODE_NEAR);
    assert.equal(parseEnum(ingestion.DedupeMode, 'DEDUPE_MODE_', undefined, 'dedupe'), 0);
  });

  it('an unknown, upper-case or UNSPECIFIED spelling is a 400 naming the field and listing the values', () => {
    for (const bad of ['NEAR', 'unspecified', 'fuzzy', 42]) {
      assert.throws(
        () => parseEnum(ingestion.DedupeMode, 'DEDUPE_MODE_', bad, 'dedupe'),
        (e: unknown) => e instanceof L1g1Error && e.kind === 'INVALID_ARGUMENT' && e.field === 'dedupe' && /none, exact, near/.test(e.message),
      );
    }
  });

  it('the folder a file sits in is its label; a top-level file has none', () => {
    assert.equal(folderLabel('mail/spam/0001.txt'), 'spam');
    assert.equal(folderLabel('spam\\0001.txt'), 'spam');
    assert.equal(folderLabel('0001.txt'), undefined);
  });
});
