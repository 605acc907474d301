// End to end (one model kind: every kind's variants already load in onnxruntime-node in
// export-variants.test.ts; a stack and six checked uploads cost seconds): exported models (fp32 version + fp16 and int8 variants) go into the real registry,
// which inspects and load-checks them and matches the variants' signatures against the version's,
// and the real inference service serves each precision through the gateway's REST API.
import { strict as assert } from 'node:assert';
import { common } from '@l1g1/contracts';
import { bearer, http, startStack, uploadModel, type Stack } from '../../../test/support/stack';
import { exportOnnx, padIdLists, type ExportModelSpec } from '../src/export';
import { type Feed, maxAbsDiff, runOnnx, seededIds, seededValues } from './export-helpers';

const PRECISIONS = [
  ['fp16', common.Precision.PRECISION_FP16],
  ['int8', common.Precision.PRECISION_INT8],
] as const;

function textClassifier(): ExportModelSpec {
  return {
    inputShape: [-1],
    inputName: 'ngram_ids',
    outputName: 'probabilities',
    classNames: ['ham', 'spam'],
    layers: [
      { kind: 'embedding_bag', table: seededValues(64 * 8, 51), vocabularySize: 64, dim: 8, combiner: 'mean' },
      { kind: 'dense', kernel: seededValues(8 * 2, 52), bias: seededValues(2, 53), inputSize: 8, units: 2, activation: 'softmax' },
    ],
  };
}

describe('exported models serve through the registry and inference service (fp32, fp16, int8)', function () {
  this.timeout(60_000);
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack?.stop();
  });

  const cases: { model: string; spec: () => ExportModelSpec; feed: Feed; datatype: 'INT64' | 'FP32' }[] = [
    {
      model: 'text-classifier',
      spec: textClassifier,
      feed: { type: 'int64', ...padIdLists([seededIds(5, 64, 55), [7, 1], []]) },
      datatype: 'INT64',
    },
  ];
  for (const c of cases) {
    it(`${c.model}: the registry takes fp16 and int8 as variants of the fp32 version, and each precision predicts what onnxruntime computes from the file`, async () => {
      const spec = c.spec();
      const fp32 = exportOnnx(spec);
      const version = await uploadModel(stack.registry, c.model, fp32.bytes);
      for (const [precision, registryPrecision] of PRECISIONS) {
        await uploadModel(stack.registry, c.model, exportOnnx(spec, { precision }).bytes, { version: version.version, precision: registryPrecision });
      }
      const inputName = fp32.signature.inputs[0]?.name ?? '';

      for (const precision of ['fp32', 'fp16', 'int8'] as const) {
        const expected = await runOnnx(exportOnnx(spec, { precision }).bytes, inputName, c.feed, 'probabilities');
        const res = await http(`${stack.gatewayUrl}/v1/models/${c.model}:predict`, {
          method: 'POST',
          headers: bearer(stack.adminKey),
          json: { version: version.version, precision, inputs: [{ name: inputName, datatype: c.datatype, shape: [...c.feed.dims], data: [...c.feed.data] }] },
        });

        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.precision, precision);
        assert.deepEqual(res.body.outputs[0].shape, [...expected.dims]);
        assert.ok(maxAbsDiff(res.body.outputs[0].data, expected.data) < 1e-6, `${precision}: ${JSON.stringify(res.body.outputs[0].data)}`);
      }
    });
  }
});
