/** Seeded random input tensors from a model's signature (the benchmark's default inputs). */
import { common } from '@l1g1/contracts';
import { dataTypeToOip, encodeBytesElements, errors } from '@l1g1/kit';
import { createMulberry32, float32ArrayToFloat16Bits } from '@l1g1/onnx';

/** Most elements of one generated tensor (bounds memory whatever the dims ask). */
const MAX_ELEMENTS = 16 * 1024 * 1024;

/**
 * One tensor per signature input, the first dimension set to `batch`, other
 * variable dimensions from `dimValues` (by symbolic name, or `d<index>`) or 1.
 * Floats uniform in [0, 1); integers in [0, 10) (small enough to be valid ids
 * for an embedding); BYTES short ASCII words.
 */
export function randomInputs(signature: common.ModelSignature | undefined, batch: number, dimValues: Readonly<Record<string, number>>, seed = 1): common.Tensor[] {
  if (!signature || signature.inputs.length === 0) throw errors.failedPrecondition('the model version has no input signature to generate inputs from');
  const random = createMulberry32(seed);
  return signature.inputs.map((spec) => {
    const shape = spec.shape.map((d, i) => {
      if (i === 0) return batch;
      if (Number(d) >= 0) return Number(d);
      const name = spec.dimNames[i] || `d${i}`;
      return dimValues[name] ?? 1;
    });
    const count = shape.reduce((a, b) => a * b, 1);
    if (count > MAX_ELEMENTS) throw errors.invalidArgument('dim_values', `input "${spec.name}" would have ${count} elements (at most ${MAX_ELEMENTS})`);
    const dt = dataTypeToOip(spec.datatype);
    let raw: Buffer;
    switch (dt) {
      case 'FP32':
        raw = Buffer.from(Float32Array.from({ length: count }, () => random()).buffer);
        break;
      case 'FP64':
        raw = Buffer.from(Float64Array.from({ length: count }, () => random()).buffer);
        break;
      case 'FP16':
        raw = Buffer.from(float32ArrayToFloat16Bits(Float32Array.from({ length: count }, () => random())).buffer);
        break;
      case 'INT64':
        raw = Buffer.from(BigInt64Array.from({ length: count }, () => BigInt(Math.floor(random() * 10))).buffer);
        break;
      case 'INT32':
        raw = Buffer.from(Int32Array.from({ length: count }, () => Math.floor(random() * 10)).buffer);
        break;
      case 'UINT8':
      case 'INT8':
      case 'BOOL':
        raw = Buffer.from(Uint8Array.from({ length: count }, () => Math.floor(random() * 2)));
        break;
      case 'BYTES':
        raw = encodeBytesElements(Array.from({ length: count }, () => `w${Math.floor(random() * 1000)}`));
        break;
      default:
        throw errors.failedPrecondition(`input "${spec.name}" has a datatype the benchmark cannot generate (${dt ?? 'unknown'})`);
    }
    return { name: spec.name, datatype: spec.datatype, shape, rawData: raw };
  });
}
