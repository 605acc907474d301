/**
 * The check digits that tell a real identifier from a look-alike. A number
 * failing its checksum is not redacted: it is not that identifier (and
 * redacting every long digit run would destroy order numbers, timestamps and
 * measurements that the dataset needs).
 */

/** Luhn (ISO/IEC 7812-1), the payment-card check digit, over a digit string. */
export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** IBAN lengths of common countries (ISO 13616 registry); others are only held to 15..34. */
const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AT: 20, BE: 16, BG: 22, CH: 21, CY: 28, CZ: 24, DE: 22, DK: 18, EE: 20, ES: 24, FI: 18,
  FR: 27, GB: 22, GR: 27, HR: 21, HU: 28, IE: 22, IS: 26, IT: 27, LI: 21, LT: 20, LU: 20, LV: 21,
  MC: 27, MT: 31, NL: 18, NO: 15, PL: 28, PT: 25, RO: 24, SE: 24, SI: 19, SK: 24, SM: 27, TR: 26,
};

/** IBAN (ISO 13616): format, the country's length where known, and the ISO 7064 MOD 97-10 checksum. */
export function ibanValid(candidate: string): boolean {
  const iban = candidate.replace(/ /g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  const expected = IBAN_LENGTHS[iban.slice(0, 2)];
  if (expected !== undefined && iban.length !== expected) return false;
  // Move the first four characters to the end, letters to 10..35, then mod 97 digit by digit.
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const code = ch.charCodeAt(0);
    const value = code >= 65 ? code - 55 : code - 48;
    remainder = value >= 10 ? (remainder * 100 + value) % 97 : (remainder * 10 + value) % 97;
  }
  return remainder === 1;
}

/** Province-level codes (GB/T 2260), the first two digits of a resident ID. */
const CN_PROVINCES: ReadonlySet<string> = new Set([
  '11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37', '41', '42', '43',
  '44', '45', '46', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65', '71', '81', '82', '83', '91',
]);
const CN_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CN_ID_CHECK = '10X98765432';

/** The ISO 7064 MOD 11-2 check character of a resident ID's first 17 digits. */
export function cnResidentIdCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i += 1) sum += (first17.charCodeAt(i) - 48) * (CN_ID_WEIGHTS[i] ?? 0);
  return CN_ID_CHECK[sum % 11] ?? '';
}

/** A real calendar date, years 1900..2099 (a resident ID's birth date). */
export function validBirthDate(yyyymmdd: string): boolean {
  const year = Number(yyyymmdd.slice(0, 4));
  const month = Number(yyyymmdd.slice(4, 6));
  const day = Number(yyyymmdd.slice(6, 8));
  if (year < 1900 || year > 2099 || month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * China mainland 18-digit resident identity number (GB 11643-1999): a known
 * province code, a valid birth date (digits 7..14) and the MOD 11-2 check
 * character (`X` for 10).
 */
export function cnResidentIdValid(candidate: string): boolean {
  const id = candidate.toUpperCase();
  if (!/^\d{17}[\dX]$/.test(id)) return false;
  if (!CN_PROVINCES.has(id.slice(0, 2))) return false;
  if (!validBirthDate(id.slice(6, 14))) return false;
  return cnResidentIdCheckChar(id.slice(0, 17)) === id[17];
}
