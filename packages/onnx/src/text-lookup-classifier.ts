import { onnx } from 'onnx-proto';
import { ElemType, IR_VERSION, OPSET_VERSION, PRODUCER_NAME, float32LeBytes, node, rawInitializer, tensorValueInfo } from './model-proto';

/**
 * A classifier over STRING inputs with known answers, for tests of callers
 * that send text to a served model (the ingestion confidence filter):
 * `text` [batch] (BYTES) → `probabilities` [batch, classes] (FP32).
 * ai.onnx.ml CategoryMapper maps each known text to its row of `table`
 * (any other text to the last row, `unknown`), and Gather picks that row.
 */
export function buildTextLookupClassifier(table: ReadonlyMap<string, readonly number[]>, unknown: readonly number[]): Uint8Array {
  const classes = unknown.length;
  const texts = [...table.keys()];
  const rows = [...table.values(), unknown];
  if (classes < 1 || rows.some((r) => r.length !== classes)) throw new Error('every row of the table needs one probability per class');
  const graph: onnx.IGraphProto = {
    name: 'text_lookup_classifier',
    node: [
      {
        ...node('CategoryMapper', 'lookup', ['text'], ['row'], [
        { name: 'cats_strings', type: onnx.AttributeProto.AttributeType.STRINGS, strings: texts.map((t) => Buffer.from(t, 'utf8')) },
        { name: 'cats_int64s', type: onnx.AttributeProto.AttributeType.INTS, ints: texts.map((_, i) => i) },
          { name: 'default_int64', type: onnx.AttributeProto.AttributeType.INT, i: texts.length },
        ]),
        domain: 'ai.onnx.ml',
      },
      node('Gather', 'pick', ['table', 'row'], ['probabilities'], [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }]),
    ],
    initializer: [rawInitializer('table', ElemType.FLOAT, [rows.length, classes], float32LeBytes(rows.flat()))],
    input: [tensorValueInfo('text', ElemType.STRING, ['batch'])],
    output: [tensorValueInfo('probabilities', ElemType.FLOAT, ['batch', classes])],
  };
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [
      { domain: '', version: OPSET_VERSION },
      { domain: 'ai.onnx.ml', version: 2 },
    ],
    producerName: PRODUCER_NAME,
    producerVersion: '1',
    docString: 'Text lookup classifier with known probabilities, for tests',
    graph,
  });
  return new Uint8Array(onnx.ModelProto.encode(model).finish());
}
