import { strict as assert } from 'node:assert';
import { onnx } from 'onnx-proto';
import { bytesPerElement, oipToOnnxElemType, onnxElemTypeToOip, type OipDatatype } from '../src/index';

const ALL_DATATYPES: OipDatatype[] = [
  'BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64',
  'FP16', 'FP32', 'FP64', 'BYTES', 'BF16',
];

describe('datatypes', () => {
  it('gives the element size of each datatype, 0 for variable-length BYTES', () => {
    const sizes = Object.fromEntries(ALL_DATATYPES.map((dt) => [dt, bytesPerElement(dt)]));
    assert.deepEqual(sizes, {
      BOOL: 1, UINT8: 1, UINT16: 2, UINT32: 4, UINT64: 8, INT8: 1, INT16: 2, INT32: 4, INT64: 8,
      FP16: 2, FP32: 4, FP64: 8, BYTES: 0, BF16: 2,
    });
  });

  it('maps ONNX element types to OIP datatypes and back', () => {
    const DataType = onnx.TensorProto.DataType;
    assert.equal(onnxElemTypeToOip(DataType.FLOAT), 'FP32');
    assert.equal(onnxElemTypeToOip(DataType.STRING), 'BYTES');
    assert.equal(onnxElemTypeToOip(DataType.FLOAT16), 'FP16');
    assert.equal(onnxElemTypeToOip(DataType.BFLOAT16), 'BF16');
    assert.equal(oipToOnnxElemType('INT64'), DataType.INT64);
    for (const dt of ALL_DATATYPES) assert.equal(onnxElemTypeToOip(oipToOnnxElemType(dt)), dt);
  });

  it('names the ONNX type when OIP cannot carry it', () => {
    assert.throws(() => onnxElemTypeToOip(14), { name: 'RangeError', message: /COMPLEX64 \(14\)/ });
    assert.throws(() => onnxElemTypeToOip(17), { name: 'RangeError', message: /FLOAT8E4M3FN \(17\)/ });
    assert.throws(() => onnxElemTypeToOip(0), { name: 'RangeError', message: /UNDEFINED \(0\)/ });
  });
});
