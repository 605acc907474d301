import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onnx } from 'onnx-proto';
import { buildDemoClassifier, buildMlp, inspectOnnxFile, InvalidOnnxError, readOnnxSignature } from '../src/index';
import { createMulberry32 } from '../src/prng';

const DataType = onnx.TensorProto.DataType;
const EXTERNAL = onnx.TensorProto.DataLocation.EXTERNAL;

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

/** y = x + w, where w is an initializer also listed as a graph input. */
function handMadeModel(): onnx.IModelProto {
  return {
    irVersion: 7,
    opsetImport: [{ domain: 'ai.onnx.ml', version: 2 }, { domain: '', version: 12 }],
    producerName: 'hand',
    graph: {
      name: 'g',
      node: [{ opType: 'Add', name: 'add', input: ['x', 'w'], output: ['y'] }],
      initializer: [{ name: 'w', dataType: DataType.FLOAT, dims: [3], floatData: [1, 2, 3] }],
      input: [tensorInfo('x', DataType.FLOAT, [null, 'seq', 3]), tensorInfo('w', DataType.FLOAT, [3])],
      output: [tensorInfo('y', DataType.FLOAT, ['n', 'seq', 3])],
    },
  };
}

/** A tensor whose bytes live in another file. */
function externalTensor(name: string, location: string): onnx.ITensorProto {
  return {
    name,
    dataType: DataType.FLOAT,
    dims: [3],
    dataLocation: EXTERNAL,
    externalData: [
      { key: 'location', value: location },
      { key: 'offset', value: '0' },
      { key: 'length', value: '12' },
    ],
  };
}

function encode(model: onnx.IModelProto): Uint8Array {
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

describe('inspectOnnxFile (streaming walk over a file)', () => {
  let dir: string;
  let n = 0;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'l1g1-onnx-walk-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const file = (bytes: Uint8Array): string => {
    const path = join(dir, `m${++n}.onnx`);
    writeFileSync(path, bytes);
    return path;
  };

  function refused(bytes: Uint8Array, reason: RegExp): InvalidOnnxError {
    try {
      inspectOnnxFile(file(bytes));
    } catch (err: unknown) {
      assert.ok(err instanceof InvalidOnnxError, `expected InvalidOnnxError, got ${String(err)}`);
      assert.match(err.reason, reason);
      assert.doesNotMatch(err.message, new RegExp(dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), 'no host path');
      return err;
    }
    return assert.fail('expected the model to be refused');
  }

  it('reads the same signature as the in-memory reader', () => {
    const models = [
      buildMlp({ inputSize: 5, hiddenSizes: [7], outputSize: 3, inputName: 'x', outputName: 'y' }),
      buildMlp({ inputSize: 4, hiddenSizes: [8], outputSize: 3, precision: 'fp16' }),
      buildMlp({ inputSize: 4, hiddenSizes: [8], outputSize: 3, precision: 'int8' }),
      buildDemoClassifier(),
      encode(handMadeModel()),
    ];
    for (const bytes of models) assert.deepEqual(inspectOnnxFile(file(bytes)), readOnnxSignature(bytes));
  });

  it('refuses an initializer whose data is in a sibling file, naming the tensor and its location', () => {
    const model = handMadeModel();
    model.graph!.initializer = [externalTensor('w', 'other-model.onnx')];
    const err = refused(encode(model), /tensor 'w' in graph 'g' > initializer stores its data outside/);
    assert.match(err.reason, /location "other-model\.onnx"/);
  });

  it('refuses absolute and parent-directory locations', () => {
    for (const location of ['/etc/passwd', '../../registry/blobs/sha256/ab/x', '..\\..\\x']) {
      const model = handMadeModel();
      model.graph!.initializer = [externalTensor('w', location)];
      refused(encode(model), /stores its data outside the model file/);
    }
  });

  it('refuses data_location EXTERNAL even without a location entry', () => {
    const model = handMadeModel();
    model.graph!.initializer = [{ name: 'w', dataType: DataType.FLOAT, dims: [3], dataLocation: EXTERNAL }];
    refused(encode(model), /tensor 'w'.*outside/);
  });

  it('refuses external data in a Constant node attribute', () => {
    const model = handMadeModel();
    model.graph!.initializer = [];
    model.graph!.input = [tensorInfo('x', DataType.FLOAT, [3])];
    model.graph!.node = [
      { opType: 'Constant', name: 'const', output: ['w'], attribute: [{ name: 'value', type: 4, t: externalTensor('c', 'c.bin') }] },
      { opType: 'Add', name: 'add', input: ['x', 'w'], output: ['y'] },
    ];
    refused(encode(model), /tensor 'c' in graph 'g' > node 'const' \(Constant\) > attribute 'value'/);
  });

  it('refuses external data in a sparse initializer', () => {
    const model = handMadeModel();
    model.graph!.sparseInitializer = [
      { values: externalTensor('sv', 'v.bin'), indices: { name: 'si', dataType: DataType.INT64, dims: [1], int64Data: [0] }, dims: [3] },
    ];
    refused(encode(model), /tensor 'sv' in graph 'g' > sparse initializer/);
  });

  it('refuses external data in a subgraph of If, nested inside another If', () => {
    const inner: onnx.IGraphProto = {
      name: 'inner_then',
      node: [{ opType: 'Identity', name: 'id', input: ['deep'], output: ['o'] }],
      initializer: [externalTensor('deep', '../secret')],
      output: [tensorInfo('o', DataType.FLOAT, [3])],
    };
    const outer: onnx.IGraphProto = {
      name: 'outer_then',
      node: [
        {
          opType: 'If',
          name: 'inner_if',
          input: ['cond'],
          output: ['o'],
          attribute: [
            { name: 'then_branch', type: 5, g: inner },
            { name: 'else_branch', type: 5, g: inner },
          ],
        },
      ],
      output: [tensorInfo('o', DataType.FLOAT, [3])],
    };
    const model: onnx.IModelProto = {
      irVersion: 7,
      opsetImport: [{ domain: '', version: 13 }],
      graph: {
        name: 'main',
        node: [
          {
            opType: 'If',
            name: 'outer_if',
            input: ['cond'],
            output: ['y'],
            attribute: [
              { name: 'then_branch', type: 5, g: outer },
              { name: 'else_branch', type: 5, g: { name: 'plain', node: [], output: [] } },
            ],
          },
        ],
        input: [tensorInfo('cond', DataType.BOOL, [])],
        output: [tensorInfo('y', DataType.FLOAT, [3])],
      },
    };
    refused(
      encode(model),
      /tensor 'deep' in graph 'main' > node 'outer_if' \(If\) > attribute 'then_branch' > graph 'outer_then' > node 'inner_if' \(If\) > attribute 'then_branch' > graph 'inner_then' > initializer/,
    );
  });

  it('refuses external data in a Loop body given as a graphs list attribute and in functions', () => {
    const model = handMadeModel();
    model.graph!.node!.push({
      opType: 'Custom',
      name: 'bodies',
      attribute: [{ name: 'graphs', type: 10, graphs: [{ name: 'body', initializer: [externalTensor('b', 'b.bin')] }] }],
    });
    refused(encode(model), /tensor 'b' in .*graph 'body' > initializer/);

    const withFunction = handMadeModel();
    withFunction.functions = [
      {
        name: 'helper',
        domain: 'local',
        node: [{ opType: 'Constant', name: 'fc', output: ['z'], attribute: [{ name: 'value', type: 4, t: externalTensor('ft', 'f.bin') }] }],
      },
    ];
    refused(encode(withFunction), /tensor 'ft' in function 'helper' > node 'fc' \(Constant\) > attribute 'value'/);
  });

  it('refuses absurd and negative signature dimensions', () => {
    const huge = handMadeModel();
    huge.graph!.input = [tensorInfo('x', DataType.FLOAT, [null, 9007199254740991])];
    refused(encode(huge), /input 'x' dimension 1 is 9007199254740991/);
    const negative = handMadeModel();
    negative.graph!.output = [tensorInfo('y', DataType.FLOAT, [-4, 3])];
    refused(encode(negative), /output 'y' dimension 0 is negative/);
  });

  it('refuses what the in-memory reader refuses: empty, text, random, truncated, missing parts', () => {
    refused(new Uint8Array(0), /empty/);
    refused(new TextEncoder().encode('name,score\nalice,0.9\n'), /.+/);
    const random = createMulberry32(3);
    for (let trial = 0; trial < 30; trial++) {
      refused(Uint8Array.from({ length: 16 + trial * 37 }, () => Math.floor(random() * 256)), /.+/);
    }
    const bytes = buildMlp({ inputSize: 8, hiddenSizes: [8], outputSize: 2 });
    for (const keep of [1, 10, Math.floor(bytes.length / 2), bytes.length - 1]) refused(bytes.subarray(0, keep), /.+/);
    const withoutGraph = handMadeModel();
    delete withoutGraph.graph;
    refused(encode(withoutGraph), /no graph/);
    const withoutOpset = handMadeModel();
    withoutOpset.opsetImport = [];
    refused(encode(withoutOpset), /opset_import/);
    const shapeless = handMadeModel();
    shapeless.graph!.input = [{ name: 'x', type: { tensorType: { elemType: DataType.FLOAT } } }];
    refused(encode(shapeless), /input 'x' declares no shape/);
  });
});
