import { strict as assert } from 'node:assert';
import { contentsToRaw, decodeBytesElements, encodeBytesElements, jsonToRaw, L1g1Error, rawToContents, rawToJson } from '@l1g1/kit';

describe('kit: tensor conversions', () => {
  it('JSON <-> raw for each datatype (nested data accepted)', () => {
    const cases: [Parameters<typeof jsonToRaw>[0], unknown[]][] = [
      ['FP32', [1.5, -2, 0]],
      ['FP64', [0.1, 1e300, -3]],
      ['FP16', [1, -2, 0.5]],
      ['INT8', [-128, 0, 127]],
      ['UINT8', [0, 1, 255]],
      ['INT16', [-32768, 2, 3]],
      ['INT32', [-(2 ** 31), 0, 2 ** 31 - 1]],
      ['INT64', [-(2 ** 53 - 1), 0, 2 ** 53 - 1]],
      ['UINT32', [0, 1, 2 ** 32 - 1]],
      ['BOOL', [true, false, true]],
      ['BYTES', ['a', '', 'héllo']],
    ];
    for (const [dt, data] of cases) {
      const raw = jsonToRaw(dt, [3], data, 'inputs[0]');
      assert.deepEqual(rawToJson(dt, raw), data, dt);
    }
    assert.deepEqual(rawToJson('FP32', jsonToRaw('FP32', [2, 2], [[1, 2], [3, 4]], 'x')), [1, 2, 3, 4]);
  });

  it('names the element and field that is wrong', () => {
    assert.throws(() => jsonToRaw('FP32', [2], [1], 'inputs[0]'), (e: unknown) => e instanceof L1g1Error && e.field === 'inputs[0].data' && /1 elements but shape \[2\] needs 2/.test(e.message));
    assert.throws(() => jsonToRaw('INT8', [1], [300], 'inputs[1]'), (e: unknown) => e instanceof L1g1Error && e.field === 'inputs[1].data[0]');
    assert.throws(() => jsonToRaw('FP32', [1], ['x'], 'inputs[0]'), /expected a FP32 number/);
    assert.throws(() => jsonToRaw('FP32', [-1], [], 'inputs[0]'), /dimension must be a non-negative integer/);
  });

  it('BYTES framing and OIP typed contents', () => {
    const raw = encodeBytesElements(['x', 'yz']);
    assert.deepEqual(decodeBytesElements(raw).map(String), ['x', 'yz']);
    assert.throws(() => decodeBytesElements(raw.subarray(0, 10)), /runs past the end/);
    const c = rawToContents('INT32', jsonToRaw('INT32', [2], [7, -8], 'x'));
    assert.deepEqual(c.intContents, [7, -8]);
    assert.deepEqual(rawToJson('INT32', contentsToRaw('INT32', [2], c, 'inputs[0]')), [7, -8]);
    assert.throws(() => contentsToRaw('FP16', [1], c, 'inputs[0]'), /raw_input_contents/);
  });
});
