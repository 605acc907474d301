import { strict as assert } from 'node:assert';
import { ingestion } from '@l1g1/contracts';
import { L1g1Error } from '@l1g1/kit';
import { csvOptionsFromProto, jsonOptionsFromProto, parseCsv, sensorCsvOptionsFromProto, textOptionsFromProto } from '../src/parsers/text';
import { bytesSource, collect } from './parsers-text-support';

describe('ingestion parsers: options from the contract', () => {
  it('proto3 defaults ("" and 0) become the parsers\' defaults; set fields carry over', () => {
    assert.deepEqual(textOptionsFromProto(ingestion.TextOptions.fromPartial({})), { split: undefined, encoding: undefined });
    assert.deepEqual(textOptionsFromProto(ingestion.TextOptions.fromPartial({ split: ingestion.TextSplit.TEXT_SPLIT_PARAGRAPH, encoding: 'latin1' })), { split: 'paragraph', encoding: 'latin1' });
    assert.deepEqual(jsonOptionsFromProto(ingestion.JsonlOptions.fromPartial({ dataField: 'text', metadataFields: ['label'] })), {
      dataField: 'text',
      idField: undefined,
      metadataFields: ['label'],
      timestampField: undefined,
    });
    assert.deepEqual(sensorCsvOptionsFromProto(ingestion.SensorCsvOptions.fromPartial({ timestampUnit: ingestion.TimestampUnit.TIMESTAMP_UNIT_SECONDS, windowMs: 500 })), {
      timestampColumn: undefined,
      timestampUnit: 'seconds',
      valueColumns: undefined,
      windowMs: 500,
      delimiter: undefined,
    });
  });

  it('a CSV header with has_header unset reads the header (proto default true)', async () => {
    const options = csvOptionsFromProto(ingestion.CsvOptions.fromPartial({ dataColumn: 'text' }));
    const records = await collect(parseCsv(bytesSource('a.csv', 'text,label\nhi,ham\n'), options));
    assert.deepEqual(records.map((r) => [r.data, r.metadata]), [['hi', { label: 'ham' }]]);
  });

  it('unknown enum values and negative windows are INVALID_ARGUMENT naming the field', () => {
    const split = () => textOptionsFromProto({ split: 7 as ingestion.TextSplit, encoding: '' });
    assert.throws(split, (e: unknown) => e instanceof L1g1Error && e.kind === 'INVALID_ARGUMENT' && e.field === 'text.split');
    const unit = () => sensorCsvOptionsFromProto(ingestion.SensorCsvOptions.fromPartial({ timestampUnit: 9 as ingestion.TimestampUnit }));
    assert.throws(unit, (e: unknown) => e instanceof L1g1Error && e.field === 'sensor_csv.timestamp_unit');
    const windowMs = () => sensorCsvOptionsFromProto(ingestion.SensorCsvOptions.fromPartial({ windowMs: -1 }));
    assert.throws(windowMs, (e: unknown) => e instanceof L1g1Error && e.field === 'sensor_csv.window_ms');
  });
});
