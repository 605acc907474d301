// The token tagger's export end to end: the fp32 version and its fp16 / int8 variants go into the
// real registry (inspection, load check, variant signatures) and the real inference service
// serves a right-padded batch of token ids through the gateway's REST API, answering the
// per-token probabilities onnxruntime computes from the file.
import { strict as assert } from 'node:assert';
import { common } from '@l1g1/contracts';
import { bearer, http, startStack, uploadModel, type Stack } from '../../../test/support/stack';
import { exportOnnx } from '../src/export';
import { createModel, tokenIds, tokenize, type TokenTagger } from '../src/models';
import { maxAbsDiff, runOnnx, useCpuBackend } from './export-helpers';

describe('token tagger served through the registry and inference service (fp32, fp16, int8)', function () {
  this.timeout(60_000);
  let stack: Stack;
  before(async () => {
    await useCpuBackend();
    stack = await startStack();
  });
  after(async () => {
    await stack?.stop();
  });

  it('serves [batch, time, tags] probabilities for right-padded token ids at each precision', async () => {
    const value = { vocabSize: 128, embeddingDim: 8, charEmbeddingDim: 0, hiddenSize: 6, numLayers: 1, maxTokens: 32, tagScheme: 1, dropout: 0 };
    const model = createModel({ architecture: { $case: 'tokenTagger', value } }, ['LOC', 'PER'], 9) as unknown as TokenTagger;
    const spec = model.exportSpec();
    const lists = ['Anna lives in Oslo .', 'Hi Omar', 'Kyoto'].map((t) => tokenIds(tokenize(t, 32), 128));
    const width = Math.max(...lists.map((l) => l.length));
    const feed = { type: 'int64' as const, data: lists.flatMap((l) => [...l, ...new Array<number>(width - l.length).fill(-1)]), dims: [lists.length, width] };
    const fp32 = exportOnnx(spec);
    const version = await uploadModel(stack.registry, 'tagger', fp32.bytes);
    await uploadModel(stack.registry, 'tagger', exportOnnx(spec, { precision: 'fp16' }).bytes, { version: version.version, precision: common.Precision.PRECISION_FP16 });
    await uploadModel(stack.registry, 'tagger', exportOnnx(spec, { precision: 'int8' }).bytes, { version: version.version, precision: common.Precision.PRECISION_INT8 });

    for (const precision of ['fp32', 'fp16', 'int8'] as const) {
      const expected = await runOnnx(exportOnnx(spec, { precision }).bytes, 'token_ids', feed, 'tag_probabilities');
      const res = await http(`${stack.gatewayUrl}/v1/models/tagger:predict`, {
        method: 'POST',
        headers: bearer(stack.adminKey),
        json: { version: version.version, precision, inputs: [{ name: 'token_ids', datatype: 'INT64', shape: feed.dims, data: feed.data }] },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.outputs[0].name, 'tag_probabilities');
      assert.deepEqual(res.body.outputs[0].shape, [3, width, 5]);
      assert.ok(maxAbsDiff(res.body.outputs[0].data, expected.data) < 1e-6, precision);
    }
    model.dispose();
  });
});
