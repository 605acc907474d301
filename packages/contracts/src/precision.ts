/**
 * The one table between the `Precision` enum and its REST / OIP spelling
 * (`fp32`, `fp16`, `int8`). Hand-written (not generated) so that every
 * package spells precisions the same way; `gen/` stays untouched.
 */
import { Precision } from './gen/l1g1/common/v1/common';

/** The lowercase names of the served precisions, as the `/v1` dialect spells enums. */
export type PrecisionName = 'fp32' | 'fp16' | 'int8';

/** Every served precision and its name, in the order they are documented. */
export const PRECISION_NAMES: ReadonlyMap<Precision, PrecisionName> = new Map<Precision, PrecisionName>([
  [Precision.PRECISION_FP32, 'fp32'],
  [Precision.PRECISION_FP16, 'fp16'],
  [Precision.PRECISION_INT8, 'int8'],
]);

const BY_NAME: ReadonlyMap<string, Precision> = new Map([...PRECISION_NAMES].map(([p, n]) => [n, p]));

/** `fp32` for FP32 (and for UNSPECIFIED, which means FP32); undefined for a value outside the enum. */
export function precisionName(p: Precision): PrecisionName | undefined {
  return p === Precision.PRECISION_UNSPECIFIED ? 'fp32' : PRECISION_NAMES.get(p);
}

/** The enum value of an exact lowercase name, or undefined (names are case-sensitive). */
export function precisionFromName(name: string): Precision | undefined {
  return BY_NAME.get(name);
}
