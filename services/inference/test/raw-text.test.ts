import { strict as assert } from 'node:assert';
import { common, inference, oip, registry } from '@l1g1/contracts';
import { featurizeBatch, HASHED_NGRAM_DEFAULTS, preprocessTag, recipeText, type PreprocessRecipe } from '@l1g1/features';
import { createGrpcClient, encodeBytesElements, L1g1Error, unary } from '@l1g1/kit';
import { buildIdentityModel } from '@l1g1/onnx';
import { http, startStack, uploadModel, type Stack } from '../../../test/support/stack';

const RECIPE: PreprocessRecipe = { ...HASHED_NGRAM_DEFAULTS, charNgramMin: 2, charNgramMax: 3, metadataFields: ['subject', 'from'] };
const MAIL = 'Dear friend,\nclaim your FREE prize now: reply with your bank details.';

/**
 * Raw text (issue 9): for a version whose tags carry `preprocess`, a BYTES
 * input of strings is featurized by the trainer's recipe into the model's
 * INT64 ids. The model here is an INT64 identity `[batch, tokens]`, so its
 * output IS the ids the service computed: compared with @l1g1/features.
 */
describe('inference: raw text for a model version with a preprocess tag', function () {
  this.timeout(30_000);
  let stack: Stack;
  let regClient: registry.ModelRegistryServiceClient;
  let client: inference.InferenceServiceClient;
  let oipClient: oip.GRPCInferenceServiceClient;

  before(async () => {
    stack = await startStack();
    regClient = stack.registry;
    client = createGrpcClient(inference.InferenceServiceClient, stack.inferenceAddr);
    oipClient = createGrpcClient(oip.GRPCInferenceServiceClient, stack.inferenceAddr);
    const ids = buildIdentityModel('INT64', ['tokens']);
    await uploadModel(regClient, 'text-ids', ids, { alias: 'production', tags: { preprocess: preprocessTag(RECIPE) } });
    await uploadModel(regClient, 'plain-ids', ids, { alias: 'production' });
  });

  after(async () => {
    client?.close();
    oipClient?.close();
    await stack?.stop();
  });

  const textInput = (texts: string[], shape = [texts.length]): common.Tensor => ({
    name: 'text',
    datatype: common.DataType.DATA_TYPE_BYTES,
    shape,
    rawData: encodeBytesElements(texts),
  });
  const predict = (model: string, inputs: common.Tensor[], metadata: Record<string, string> = {}) =>
    unary(client.predict.bind(client), { model: { name: model, selector: undefined }, precision: 0, inputs, outputNames: [], metadata, requestId: '' });
  const int64s = (b: Uint8Array): number[] => [...new BigInt64Array(Uint8Array.from(b).buffer)].map(Number);

  it('Predict: a BYTES tensor of texts becomes the recipe’s ids, with the metadata fields as the leading lines', async () => {
    const texts = [MAIL, 'see you at lunch'];
    const metadata = { subject: 'You won!', from: 'lottery@example.com', other: 'ignored' };
    const res = await predict('text-ids', [textInput(texts)], metadata);
    const expected = featurizeBatch(
      texts.map((t) => recipeText({ data: t, metadata }, RECIPE.metadataFields)),
      RECIPE,
    );
    assert.deepEqual(res.outputs[0]!.shape.map(Number), expected.dims);
    assert.deepEqual(int64s(res.outputs[0]!.rawData), expected.data);
    // The metadata lines matter: without them the ids differ.
    const bare = await predict('text-ids', [textInput([MAIL])]);
    assert.deepEqual(int64s(bare.outputs[0]!.rawData), featurizeBatch([MAIL], RECIPE).data);
  });

  it('OIP ModelInfer: typed BYTES contents, shape [n, 1], string parameters as the metadata', async () => {
    const res = await unary(
      oipClient.modelInfer.bind(oipClient),
      oip.ModelInferRequest.fromPartial({
        modelName: 'text-ids',
        parameters: { subject: { parameterChoice: { $case: 'stringParam', value: 'hello' } } },
        inputs: [{ name: 'text', datatype: 'BYTES', shape: [1, 1], contents: { bytesContents: [Buffer.from(MAIL)] } }],
      }),
    );
    const expected = featurizeBatch([`hello\n${MAIL}`], RECIPE);
    assert.deepEqual(res.outputs[0]!.shape.map(Number), expected.dims);
    assert.deepEqual(res.outputs[0]!.contents!.int64Contents.map(Number), expected.data);
  });

  it('refuses raw text for a version without a preprocess tag, and bad shapes or counts, naming the field', async () => {
    const expectInvalid = (field: string, re: RegExp) => (e: unknown) => {
      assert.ok(e instanceof L1g1Error, String(e));
      assert.equal(e.kind, 'INVALID_ARGUMENT', e.message);
      assert.equal(e.field, field);
      assert.match(e.message, re);
      return true;
    };
    await assert.rejects(predict('plain-ids', [textInput([MAIL])]), expectInvalid('inputs[0].datatype', /raw text is accepted only by a version with a preprocess tag/));
    await assert.rejects(predict('text-ids', [textInput([MAIL, MAIL], [1, 2])]), expectInvalid('inputs[0].shape', /shape \[n\] or \[n, 1\]/));
    await assert.rejects(predict('text-ids', [textInput(Array.from({ length: 257 }, () => 'x'))]), expectInvalid('inputs[0].shape', /1 to 256 texts/));
    await assert.rejects(predict('text-ids', [textInput([MAIL], [2])]), expectInvalid('inputs[0].data', /1 strings for shape \[2\]/));
  });

  it('REST: a mail’s text sent as JSON to /v1/models/<name>:predict is featurized the same way (what curl sends)', async () => {
    const res = await http(`${stack.gatewayUrl}/v1/models/text-ids:predict`, {
      method: 'POST',
      json: { inputs: [{ name: 'text', datatype: 'BYTES', shape: [1], data: [MAIL] }], metadata: { subject: 'You won!' } },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const expected = featurizeBatch([`You won!\n${MAIL}`], RECIPE);
    assert.deepEqual(res.body.outputs[0].shape, expected.dims);
    assert.deepEqual(res.body.outputs[0].data, expected.data);
  });

  it('INT64 ids still go straight to the model', async () => {
    const ids = Buffer.from(BigInt64Array.from([3n, 5n, -1n]).buffer);
    const res = await predict('text-ids', [{ name: 'input', datatype: common.DataType.DATA_TYPE_INT64, shape: [1, 3], rawData: ids }]);
    assert.deepEqual(int64s(res.outputs[0]!.rawData), [3, 5, -1]);
  });
});
