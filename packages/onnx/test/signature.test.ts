import { strict as assert } from 'node:assert';
import { onnx } from 'onnx-proto';
import { buildMlp, InvalidOnnxError, readOnnxSignature } from '../src/index';
import { createMulberry32 } from '../src/prng';

const DataType = onnx.TensorProto.DataType;

function tensorInfo(name: string, elemType: number, dims: (number | string | null)[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (d === null ? {} : typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}

/** A hand-made model: y = x + w, where w is an initializer also listed as a graph input. */
function handMadeModel(): onnx.IModelProto {
  return {
    irVersion: 7,
    opsetImport: [{ domain: 'ai.onnx.ml', version: 2 }, { domain: '', version: 12 }],
    producerName: 'hand',
    graph: {
      name: 'g',
      node: [{ opType: 'Add', input: ['x', 'w'], output: ['y'] }],
      initializer: [{ name: 'w', dataType: DataType.FLOAT, dims: [3], floatData: [1, 2, 3] }],
      input: [tensorInfo('x', DataType.FLOAT, [null, 'seq', 3]), tensorInfo('w', DataType.FLOAT, [3])],
      output: [tensorInfo('y', DataType.FLOAT, ['n', 'seq', 3])],
    },
  };
}

function encode(model: onnx.IModelProto): Uint8Array {
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

function assertInvalid(bytes: Uint8Array, reason: RegExp): void {
  assert.throws(
    () => readOnnxSignature(bytes),
    (err: unknown) => {
      assert.ok(err instanceof InvalidOnnxError, `expected InvalidOnnxError, got ${String(err)}`);
      assert.match(err.message, /^artifact is not a valid ONNX model: /);
      assert.match(err.reason, reason);
      return true;
    },
  );
}

describe('readOnnxSignature', () => {
  it('reads the signature of a built MLP, with a dynamic batch dimension', () => {
    const bytes = buildMlp({ inputSize: 5, hiddenSizes: [7], outputSize: 3, inputName: 'x', outputName: 'y' });

    const signature = readOnnxSignature(bytes);

    assert.deepEqual(signature, {
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 5], dimNames: ['batch', ''] }],
      outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 3], dimNames: ['batch', ''] }],
      irVersion: 8,
      opsetVersion: 13,
      producerName: 'l1g1-onnx',
    });
  });

  it('leaves out initializers listed as inputs and reports unnamed dynamic dimensions', () => {
    const signature = readOnnxSignature(encode(handMadeModel()));

    assert.deepEqual(signature.inputs, [{ name: 'x', datatype: 'FP32', shape: [-1, -1, 3], dimNames: ['', 'seq', ''] }]);
    assert.deepEqual(signature.outputs, [{ name: 'y', datatype: 'FP32', shape: [-1, -1, 3], dimNames: ['n', 'seq', ''] }]);
    assert.equal(signature.irVersion, 7);
    assert.equal(signature.opsetVersion, 12, 'the default-domain opset, not ai.onnx.ml');
  });

  it('maps element types to OIP datatypes, STRING to BYTES', () => {
    const model = handMadeModel();
    model.graph!.input = [tensorInfo('x', DataType.STRING, [2]), tensorInfo('m', DataType.FLOAT16, [2])];

    assert.deepEqual(
      readOnnxSignature(encode(model)).inputs.map((input) => input.datatype),
      ['BYTES', 'FP16'],
    );
  });

  it('rejects an empty buffer', () => {
    assertInvalid(new Uint8Array(0), /empty/);
  });

  it('rejects a text file', () => {
    assertInvalid(new TextEncoder().encode('name,score\nalice,0.9\nbob,0.4\n'), /.+/);
    assertInvalid(new TextEncoder().encode('{"model": "resnet50", "format": "onnx"}'), /.+/);
  });

  it('rejects random bytes', () => {
    const random = createMulberry32(3);
    for (let trial = 0; trial < 50; trial++) {
      const bytes = Uint8Array.from({ length: 16 + trial * 37 }, () => Math.floor(random() * 256));
      assertInvalid(bytes, /.+/);
    }
  });

  it('rejects a truncated model, with the decoding error as cause', () => {
    const bytes = buildMlp({ inputSize: 8, hiddenSizes: [8], outputSize: 2 });
    for (const keep of [1, 10, Math.floor(bytes.length / 2), bytes.length - 1]) {
      assertInvalid(bytes.subarray(0, keep), /.+/);
    }
    try {
      readOnnxSignature(bytes.subarray(0, bytes.length - 1));
      assert.fail('expected a throw');
    } catch (err: unknown) {
      assert.ok(err instanceof InvalidOnnxError);
      assert.ok(err.cause instanceof Error, 'the protobuf decoding error is kept as cause');
    }
  });

  it('rejects a model without ir_version, opset_import, graph, nodes or outputs', () => {
    const withoutIr = handMadeModel();
    delete withoutIr.irVersion;
    assertInvalid(encode(withoutIr), /ir_version/);

    const withoutOpset = handMadeModel();
    withoutOpset.opsetImport = [];
    assertInvalid(encode(withoutOpset), /opset_import/);

    const withoutGraph = handMadeModel();
    delete withoutGraph.graph;
    assertInvalid(encode(withoutGraph), /no graph/);

    const withoutNodes = handMadeModel();
    withoutNodes.graph!.node = [];
    assertInvalid(encode(withoutNodes), /no nodes/);

    const withoutOutputs = handMadeModel();
    withoutOutputs.graph!.output = [];
    assertInvalid(encode(withoutOutputs), /no outputs/);
  });

  it('names the tensor and the ONNX type when OIP cannot carry it, or when it is not a tensor', () => {
    const complexOutput = handMadeModel();
    complexOutput.graph!.output = [tensorInfo('spectrum', 14, [4])];
    assertInvalid(encode(complexOutput), /output 'spectrum' has element type COMPLEX64 \(14\)/);

    const sequenceInput = handMadeModel();
    sequenceInput.graph!.input = [{ name: 'tokens', type: { sequenceType: { elemType: { tensorType: { elemType: 1 } } } } }];
    assertInvalid(encode(sequenceInput), /input 'tokens' is not a dense tensor/);

    const shapeless = handMadeModel();
    shapeless.graph!.input = [{ name: 'x', type: { tensorType: { elemType: DataType.FLOAT } } }];
    assertInvalid(encode(shapeless), /input 'x' declares no shape/);
  });
});
