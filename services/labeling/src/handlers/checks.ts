/** Small request checks shared by the handler groups. */
import { errors } from '@l1g1/kit';

const ID = /^[a-z]{3}_[0-9a-z]{9}[0-9a-f]{16}$/;

/** An id this service issued (anything else cannot exist: NOT_FOUND without a query would hide typos). */
export function requireId(value: string, field: string, kind: 'prj' | 'tsk' | 'ann'): string {
  if (value === '') throw errors.invalidArgument(field, 'is required');
  if (!ID.test(value) || !value.startsWith(`${kind}_`)) throw errors.invalidArgument(field, `is not a ${kind}_… id issued by this service`);
  return value;
}

/** A bounded, printable name (annotator, project name). */
export function requireName(value: string, field: string, maxChars = 200): string {
  if (value.trim() === '') throw errors.invalidArgument(field, 'is required');
  if (value.length > maxChars) throw errors.invalidArgument(field, `at most ${maxChars} characters`);
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f]/.test(value)) throw errors.invalidArgument(field, 'cannot hold control characters');
  return value;
}

export function boundedText(value: string, field: string, maxChars: number): string {
  if (value.length > maxChars) throw errors.invalidArgument(field, `at most ${maxChars} characters`);
  return value;
}
