/**
 * A variant (another precision of a version) must be callable exactly like
 * the version: same input and output names, ranks and fixed dimensions, and
 * datatypes that agree. The one allowed difference: where either artifact is
 * the FP16 one, FP16 and FP32 tensors match (an fp16 export may keep FP32
 * io, as the demo builders do, or switch it to FP16).
 */
import { errors } from '@l1g1/kit';
import type { Precision, Signature, TensorSpec } from './types';

function shapeText(spec: TensorSpec): string {
  return `[${spec.shape.join(', ')}]`;
}

function datatypesAgree(expected: string, actual: string, fp16Involved: boolean): boolean {
  if (expected === actual) return true;
  const floats = new Set(['FP16', 'FP32']);
  return fp16Involved && floats.has(expected) && floats.has(actual);
}

function mismatch(message: string): Error {
  return errors.invalidArgument('chunk', message, { reason: 'SIGNATURE_MISMATCH' });
}

function compareList(
  role: 'input' | 'output',
  expected: readonly TensorSpec[],
  actual: readonly TensorSpec[],
  fp16Involved: boolean,
  version: number,
): void {
  const names = (specs: readonly TensorSpec[]): string => `[${specs.map((t) => t.name).join(', ')}]`;
  const byName = new Map(actual.map((t) => [t.name, t]));
  if (expected.length !== actual.length || expected.some((t) => !byName.has(t.name))) {
    throw mismatch(
      `the variant's ${role}s ${names(actual)} must have the same names as version ${version}'s ${role}s ${names(expected)}`,
    );
  }
  for (const want of expected) {
    const got = byName.get(want.name) as TensorSpec;
    if (!datatypesAgree(want.datatype, got.datatype, fp16Involved)) {
      throw mismatch(
        `${role} '${want.name}' is ${got.datatype} in the variant but ${want.datatype} in version ${version}`,
      );
    }
    const sameShape =
      want.shape.length === got.shape.length &&
      want.shape.every((dim, i) => (dim < 0 ? (got.shape[i] ?? 0) < 0 : got.shape[i] === dim));
    if (!sameShape) {
      throw mismatch(
        `${role} '${want.name}' has shape ${shapeText(got)} in the variant but ${shapeText(want)} in version ${version} ` +
          '(ranks and fixed dimensions must be equal; -1 is dynamic)',
      );
    }
  }
}

/** Throws INVALID_ARGUMENT (SIGNATURE_MISMATCH) unless `variant` can serve the same requests as `reference`. */
export function checkVariantSignature(
  reference: { precision: Precision; signature: Signature },
  variant: { precision: Precision; signature: Signature },
  version: number,
): void {
  const fp16Involved = reference.precision === 'FP16' || variant.precision === 'FP16';
  compareList('input', reference.signature.inputs, variant.signature.inputs, fp16Involved, version);
  compareList('output', reference.signature.outputs, variant.signature.outputs, fp16Involved, version);
}
