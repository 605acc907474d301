import { cnResidentIdValid, ibanValid, luhnValid } from './checksums';

/** The kinds of personal data the redaction step finds. */
export type PiiKind = 'email' | 'cn_id' | 'iban' | 'card' | 'cn_mobile' | 'ipv6' | 'ipv4' | 'phone';

/** Priority order: where two matches overlap, the earlier kind wins (a resident ID is not a card). */
export const PII_KINDS: readonly PiiKind[] = ['email', 'cn_id', 'iban', 'card', 'cn_mobile', 'ipv6', 'ipv4', 'phone'];

/** What replaces each kind. */
export const PII_TOKENS: Readonly<Record<PiiKind, string>> = {
  email: '[EMAIL]',
  cn_id: '[CN_ID]',
  iban: '[IBAN]',
  card: '[CARD]',
  cn_mobile: '[CN_MOBILE]',
  ipv6: '[IPV6]',
  ipv4: '[IPV4]',
  phone: '[PHONE]',
};

export interface PiiMatch {
  readonly kind: PiiKind;
  readonly start: number;
  /** Exclusive. */
  readonly end: number;
}

interface Detector {
  readonly pattern: RegExp;
  /** Whether a candidate the pattern found is really this kind (checksums, ranges). */
  readonly valid: (candidate: string) => boolean;
}

const digitsOf = (s: string): string => s.replace(/\D/g, '');
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;

/**
 * RFC 4291 text form: eight 1..4-digit hex groups, or fewer with one `::`,
 * the last two optionally as dotted IPv4. (Here rather than `node:net`'s
 * isIPv6 because domain code does not import the network module.)
 */
export function isIpv6Address(text: string): boolean {
  const halves = text.split('::');
  if (halves.length > 2) return false;
  const groupsOf = (half: string): string[] | undefined => (half === '' ? [] : half.split(':'));
  const head = groupsOf(halves[0] ?? '');
  const tail = halves.length === 2 ? groupsOf(halves[1] ?? '') : [];
  if (head === undefined || tail === undefined) return false;
  const all = [...head, ...tail];
  let groups = all.length;
  const last = all[all.length - 1];
  if (last !== undefined && last.includes('.')) {
    if (!IPV4.test(last)) return false;
    all.pop();
    groups += 1; // dotted IPv4 fills two groups
  }
  if (!all.every((g) => HEX_GROUP.test(g))) return false;
  return halves.length === 2 ? groups <= 7 : groups === 8;
}
const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';

// Patterns find candidates; `valid` decides. Look-arounds keep a match from starting or ending
// inside a longer token (a hex hash, a version number 1.2.3.4.5, a longer digit run).
const DETECTORS: Readonly<Record<PiiKind, Detector>> = {
  email: {
    pattern: /(?<![\w.%+-])[A-Za-z0-9_%+-][A-Za-z0-9._%+-]{0,63}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)+[A-Za-z]{2,63}(?![\w-])/g,
    valid: (c) => !c.includes('..'),
  },
  cn_id: { pattern: /(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])/g, valid: cnResidentIdValid },
  iban: {
    pattern: /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?![A-Za-z0-9])/g,
    valid: ibanValid,
  },
  card: {
    // 13..19 digits, single spaces or dashes allowed between them; issuers' first digits are 2..6.
    // Not right after an IBAN's `CC00 ` head: the digits of a mistyped IBAN are not a card.
    pattern: /(?<![\w-])(?<![A-Z]{2}\d{2} )[2-6]\d(?:[ -]?\d){11,17}(?![\w-]|-\d)/g,
    valid: (c) => {
      const d = digitsOf(c);
      return d.length >= 13 && d.length <= 19 && luhnValid(d);
    },
  },
  cn_mobile: {
    // 1[3-9]x xxxx xxxx, optionally +86 / 0086 / 86 first (MIIT numbering plan: 13x..19x).
    pattern: /(?<![\w+])(?:(?:\+|00)?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?![\w-])/g,
    valid: () => true,
  },
  ipv6: {
    // The embedded-IPv4 tail (::ffff:192.0.2.1) is tried before a plain group, or `192` would end the match.
    pattern: /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{1,4})?(?![\w:]|\.\w)/g,
    valid: (c) => /[0-9A-Fa-f]/.test(c) && isIpv6Address(c),
  },
  ipv4: { pattern: new RegExp(`(?<![\\w.])(?:${OCTET}\\.){3}${OCTET}(?![\\w]|\\.\\d)`, 'g'), valid: () => true },
  phone: {
    // International (+country code) or grouped national numbers ((555) 123-4567, 555-123-4567, 030 1234 5678).
    pattern: /(?<![\w+])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,5}\)[ .-]?|\d{2,5}[ .-])\d{2,8}(?:[ .-]\d{2,5}){0,3}(?![\w]|[.-]\d)/g,
    valid: (c) => {
      const n = digitsOf(c).length;
      // E.164 caps numbers at 15 digits; fewer than 8 is more likely a date or a quantity. Two bare
      // groups (`1999-2001`, `2024-01`) are ranges and dates far more often than phone numbers.
      const groups = c.split(/[ .()-]+/).filter((g) => g.length > 0).length;
      // A national number with its trunk 0 (`010-12345678`) is marked by it.
      const marked = c.startsWith('+') || c.includes('(') || groups >= 3 || (c.startsWith('0') && n >= 10);
      return n >= 8 && n <= 15 && marked && !/^\d{4}-\d{2}-\d{2}$/.test(c);
    },
  },
};

/**
 * Every PII match in a text, without overlaps: candidates of all requested
 * kinds are validated, then taken in priority order (and, within a kind,
 * longest first); a candidate overlapping one already taken is left out.
 * Sorted by position.
 */
export function findPii(text: string, kinds: readonly PiiKind[] = PII_KINDS): PiiMatch[] {
  const candidates: (PiiMatch & { priority: number })[] = [];
  for (const kind of kinds) {
    const detector = DETECTORS[kind];
    const pattern = new RegExp(detector.pattern.source, detector.pattern.flags);
    for (const m of text.matchAll(pattern)) {
      const value = m[0];
      if (value.length === 0 || m.index === undefined || !detector.valid(value)) continue;
      candidates.push({ kind, start: m.index, end: m.index + value.length, priority: PII_KINDS.indexOf(kind) });
    }
  }
  candidates.sort((x, y) => x.priority - y.priority || y.end - y.start - (x.end - x.start) || x.start - y.start);
  // One flag per UTF-16 unit: the overlap check costs a match's length, not the matches so far
  // (a text of 100,000 short candidates would otherwise be quadratic).
  const occupied = new Uint8Array(text.length);
  const taken: PiiMatch[] = [];
  for (const c of candidates) {
    if (occupied.subarray(c.start, c.end).includes(1)) continue;
    occupied.fill(1, c.start, c.end);
    taken.push({ kind: c.kind, start: c.start, end: c.end });
  }
  return taken.sort((x, y) => x.start - y.start);
}

/** The text with each match replaced by its kind's token, and the matches per kind. */
export function redactPii(
  text: string,
  kinds: readonly PiiKind[] = PII_KINDS,
): { text: string; counts: Partial<Record<PiiKind, number>> } {
  const matches = findPii(text, kinds);
  if (matches.length === 0) return { text, counts: {} };
  const counts: Partial<Record<PiiKind, number>> = {};
  let out = '';
  let at = 0;
  for (const m of matches) {
    out += text.slice(at, m.start) + PII_TOKENS[m.kind];
    at = m.end;
    counts[m.kind] = (counts[m.kind] ?? 0) + 1;
  }
  return { text: out + text.slice(at), counts };
}
