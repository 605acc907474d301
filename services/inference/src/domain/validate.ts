import { decodeBytesElements, elementCount, elementSize, errors } from '@l1g1/kit';
import { firstNonFinite } from './non-finite';
import type { RawTensor, Signature } from './types';

/**
 * Checks request tensors against the model signature and returns them in
 * signature order. Every error names the tensor (and the field) at fault.
 *
 * Floating-point inputs (FP16, FP32, FP64) must be finite: a NaN or
 * ±Infinity is refused with INVALID_ARGUMENT naming the tensor and the first
 * bad element, whatever the encoding it came in (typed contents, raw
 * contents, L1G1 Predict raw data, REST JSON): all of them arrive here as raw
 * bytes. Models would otherwise turn it into NaN outputs that JSON cannot
 * even carry.
 */
export function validateInputs(signature: Signature, inputs: RawTensor[], field = 'inputs'): RawTensor[] {
  const byName = new Map<string, { t: RawTensor; i: number }>();
  inputs.forEach((t, i) => {
    if (!t.name) throw errors.invalidArgument(`${field}[${i}].name`, 'input tensor needs a name');
    if (byName.has(t.name)) throw errors.invalidArgument(`${field}[${i}].name`, `input "${t.name}" is given twice`);
    const spec = signature.inputs.find((s) => s.name === t.name);
    if (!spec) {
      throw errors.invalidArgument(
        `${field}[${i}].name`,
        `unknown input "${t.name}"; the model expects ${signature.inputs.map((s) => `"${s.name}"`).join(', ')}`,
        { reason: 'UNKNOWN_TENSOR' },
      );
    }
    byName.set(t.name, { t, i });
  });
  let batch: number | undefined;
  return signature.inputs.map((spec) => {
    const found = byName.get(spec.name);
    if (!found) {
      throw errors.invalidArgument(field, `missing input "${spec.name}" (${spec.datatype} [${spec.shape.join(', ')}])`, {
        reason: 'MISSING_TENSOR',
      });
    }
    const { t, i } = found;
    const where = `${field}[${i}]`;
    if (t.datatype !== spec.datatype) {
      throw errors.invalidArgument(`${where}.datatype`, `input "${t.name}" must be ${spec.datatype}, got ${t.datatype}`, {
        reason: 'INVALID_TENSOR_DATATYPE',
      });
    }
    const expected = `[${spec.shape.map((d) => (d < 0 ? '-1' : String(d))).join(', ')}]`;
    if (t.shape.length !== spec.shape.length || t.shape.some((d, k) => spec.shape[k]! >= 0 && d !== spec.shape[k])) {
      throw errors.invalidArgument(`${where}.shape`, `input "${t.name}" has shape [${t.shape.join(', ')}], the model expects ${expected}`, {
        reason: 'INVALID_TENSOR_SHAPE',
      });
    }
    const count = elementCount(t.shape, `${where}.shape`);
    if (spec.shape[0] === -1) {
      if (batch === undefined) batch = t.shape[0];
      else if (t.shape[0] !== batch) {
        throw errors.invalidArgument(`${where}.shape`, `input "${t.name}" has batch size ${t.shape[0]}, other inputs have ${batch}`, {
          reason: 'INVALID_TENSOR_SHAPE',
        });
      }
    }
    if (t.datatype === 'BYTES') {
      const n = decodeBytesElements(t.data, `${where}.data`).length;
      if (n !== count) throw errors.invalidArgument(`${where}.data`, `input "${t.name}" has ${n} BYTES elements, shape needs ${count}`);
    } else if (t.data.byteLength !== count * elementSize(t.datatype)) {
      throw errors.invalidArgument(
        `${where}.data`,
        `input "${t.name}" has ${t.data.byteLength} bytes, shape [${t.shape.join(', ')}] of ${t.datatype} needs ${count * elementSize(t.datatype)}`,
        { reason: 'INVALID_TENSOR_DATA' },
      );
    }
    const bad = firstNonFinite(t.datatype, t.data);
    if (bad) {
      throw errors.invalidArgument(
        `${where}.data`,
        `input "${t.name}" has ${bad.kind} at element ${bad.index}; ${t.datatype} inputs must be finite numbers`,
        { reason: 'NON_FINITE_VALUE' },
      );
    }
    return t;
  });
}

export function validateOutputNames(signature: Signature, requested: string[], field = 'outputs'): string[] {
  if (requested.length === 0) return signature.outputs.map((o) => o.name);
  requested.forEach((name, i) => {
    if (!signature.outputs.some((o) => o.name === name)) {
      throw errors.invalidArgument(
        `${field}[${i}]`,
        `unknown output "${name}"; the model has ${signature.outputs.map((o) => `"${o.name}"`).join(', ')}`,
        { reason: 'UNKNOWN_TENSOR' },
      );
    }
  });
  return requested;
}
