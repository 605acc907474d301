import type { OipDatatype } from './datatypes';
import { oipToOnnxElemType } from './datatypes';
import { encodeModel, node, tensorValueInfo, type Dim } from './model-proto';

/**
 * A model that returns its input unchanged (`input` -> `output`, Identity):
 * for exercising every tensor datatype end to end (INT64, BOOL, BYTES ...)
 * where a real network would only take FP32. The first dimension is the
 * symbolic `batch`; `innerShape` gives the rest (a string is a symbolic,
 * variable dimension, e.g. `tokens` for padded id lists).
 */
export function buildIdentityModel(datatype: OipDatatype, innerShape: readonly Dim[] = [2]): Uint8Array {
  const elem = oipToOnnxElemType(datatype);
  const dims: Dim[] = ['batch', ...innerShape];
  return encodeModel({
    graphName: `identity_${datatype.toLowerCase()}`,
    nodes: [node('Identity', 'identity', ['input'], ['output'])],
    initializers: [],
    inputs: [tensorValueInfo('input', elem, dims)],
    outputs: [tensorValueInfo('output', elem, dims)],
    producerVersion: '1',
    docString: `Identity over ${datatype} tensors, for tests`,
  });
}
