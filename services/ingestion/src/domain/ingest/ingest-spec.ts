/**
 * An upload's header, validated once in the handler and turned into a plain
 * JSON spec: what the job stores as its params and what the worker thread
 * builds its parsers and cleaning steps from. Every refusal is an
 * INVALID_ARGUMENT naming the header field.
 */
import { ingestion } from '@l1g1/contracts';
import { errors, type JsonValue } from '@l1g1/kit';
import { checkLanguageAllowList } from '../cleaning/language-filter';
import { checkImageNormalization, imageNormalizationIsActive, MAX_IMAGE_SIDE_PX } from '../cleaning/image-normalization-step';
import { PII_KINDS, type PiiKind } from '../cleaning/pii/pii-detectors';
import { fromProtoSourceFormat } from '../detect/source-format';

/** Dataset names (proto: `[a-z0-9][a-z0-9._-]{0,127}`). */
export const DATASET_NAME = /^[a-z0-9][a-z0-9._-]{0,127}$/;
const MAX_MAP_ENTRIES = 256;
const MAX_TEXT_CHARS = 4096;

export type DedupeName = 'none' | 'exact' | 'near';

/** The cleaning configuration applied, as stored in the manifest (snake_case). */
export interface CleaningSpec {
  normalize_text: boolean;
  dedupe: DedupeName;
  near_dupe_threshold: number;
  dedupe_against_base: boolean;
  min_length_chars: number;
  max_length_chars: number;
  languages: string[];
  min_language_confidence: number;
  pii_kinds: PiiKind[];
  /** Image normalisation (absent in specs written before it existed, or when it changes nothing). */
  image?: ImageNormalizationSpec;
}

/** The proto's ImageNormalization, snake_case as stored. */
export interface ImageNormalizationSpec {
  max_side_px: number;
  grayscale: boolean;
  equalize_histogram: boolean;
}

export interface IngestSpec {
  dataset: string;
  write_mode: 'replace' | 'append';
  /** APPEND: the base version (0 = the latest at the time the job runs). */
  base_snapshot: number;
  /** The header as the proto's JSON (format options included), for the worker's parser options. */
  header_json: JsonValue;
  cleaning: CleaningSpec;
  description: string;
  tags: Record<string, string>;
  record_metadata: Record<string, string>;
  max_errors: number;
}

function checkDataset(name: string): string {
  if (!DATASET_NAME.test(name)) {
    throw errors.invalidArgument('header.dataset', 'must match [a-z0-9][a-z0-9._-]{0,127} (lowercase letters, digits, . _ -)', { reason: 'INVALID_DATASET_NAME' });
  }
  return name;
}

/** A string map from the client, bounded in entries and sizes. */
export function checkStringMap(map: Record<string, string>, field: string): Record<string, string> {
  const entries = Object.entries(map);
  if (entries.length > MAX_MAP_ENTRIES) throw errors.invalidArgument(field, `at most ${MAX_MAP_ENTRIES} entries`);
  for (const [k, v] of entries) {
    if (k.length === 0 || k.length > 256) throw errors.invalidArgument(field, 'keys must be 1-256 characters');
    if (v.length > MAX_TEXT_CHARS) throw errors.invalidArgument(`${field}.${k}`, `at most ${MAX_TEXT_CHARS} characters`);
  }
  return { ...map };
}

const PII_BY_PROTO: Partial<Record<ingestion.PiiKind, PiiKind[]>> = {
  [ingestion.PiiKind.PII_KIND_EMAIL]: ['email'],
  [ingestion.PiiKind.PII_KIND_PHONE]: ['phone', 'cn_mobile'],
  [ingestion.PiiKind.PII_KIND_CREDIT_CARD]: ['card'],
  [ingestion.PiiKind.PII_KIND_IP_ADDRESS]: ['ipv4', 'ipv6'],
  [ingestion.PiiKind.PII_KIND_IBAN]: ['iban'],
  [ingestion.PiiKind.PII_KIND_NATIONAL_ID]: ['cn_id'],
};

export function cleaningSpecFromProto(c: ingestion.CleaningOptions | undefined, field = 'header.cleaning'): CleaningSpec {
  const dedupe: DedupeName =
    c === undefined || c.dedupe === ingestion.DedupeMode.DEDUPE_MODE_UNSPECIFIED || c.dedupe === ingestion.DedupeMode.DEDUPE_MODE_EXACT
      ? 'exact'
      : c.dedupe === ingestion.DedupeMode.DEDUPE_MODE_NEAR
        ? 'near'
        : c.dedupe === ingestion.DedupeMode.DEDUPE_MODE_NONE
          ? 'none'
          : (() => {
              throw errors.invalidArgument(`${field}.dedupe`, `unknown dedupe mode ${c.dedupe}`);
            })();
  const threshold = c?.nearDupeThreshold ?? 0.9;
  if (!(threshold > 0 && threshold <= 1)) throw errors.invalidArgument(`${field}.near_dupe_threshold`, 'must be in (0, 1]');
  const minLen = c?.minLengthChars ?? 0;
  const maxLen = c?.maxLengthChars ?? 0;
  if (minLen < 0) throw errors.invalidArgument(`${field}.min_length_chars`, 'must be >= 0');
  if (maxLen < 0) throw errors.invalidArgument(`${field}.max_length_chars`, 'must be >= 0');
  if (maxLen > 0 && minLen > maxLen) throw errors.invalidArgument(`${field}.min_length_chars`, 'must not exceed max_length_chars');
  const langConfidence = c?.minLanguageConfidence ?? 0.5;
  if (!(langConfidence >= 0 && langConfidence <= 1)) throw errors.invalidArgument(`${field}.min_language_confidence`, 'must be in [0, 1]');
  const languages = [...(c?.languages ?? [])];
  // The language filter's own check, here, so a code it cannot use is refused before any job exists.
  checkLanguageAllowList(languages, `${field}.languages`);
  const piiKinds: PiiKind[] = [];
  for (const [i, k] of (c?.pii?.kinds ?? []).entries()) {
    const mapped = PII_BY_PROTO[k];
    if (!mapped) {
      throw errors.invalidArgument(`${field}.pii.kinds[${i}]`, `PII kind ${ingestion.PiiKind[k] ?? k} is not supported; supported: EMAIL, PHONE, CREDIT_CARD, IP_ADDRESS, IBAN, NATIONAL_ID`, {
        reason: 'UNSUPPORTED_PII_KIND',
      });
    }
    for (const m of mapped) if (!piiKinds.includes(m)) piiKinds.push(m);
  }
  if (c?.pii?.replacement) throw errors.invalidArgument(`${field}.pii.replacement`, 'custom replacements are not supported; the replacement is [KIND]');
  const imageOptions = { maxSidePx: c?.image?.maxSidePx ?? 0, grayscale: c?.image?.grayscale ?? false, equalizeHistogram: c?.image?.equalizeHistogram ?? false };
  checkImageNormalization(imageOptions, `${field}.image`);
  return {
    normalize_text: c?.normalizeText ?? true,
    dedupe,
    near_dupe_threshold: threshold,
    dedupe_against_base: c?.dedupeAgainstBase ?? false,
    min_length_chars: minLen,
    max_length_chars: maxLen,
    languages,
    min_language_confidence: langConfidence,
    pii_kinds: piiKinds.filter((k) => PII_KINDS.includes(k)),
    ...(imageNormalizationIsActive(imageOptions)
      ? { image: { max_side_px: imageOptions.maxSidePx, grayscale: imageOptions.grayscale, equalize_histogram: imageOptions.equalizeHistogram } }
      : {}),
  };
}

/** Validates the header (the first message of Ingest). */
export function ingestSpecFromHeader(h: ingestion.IngestHeader): IngestSpec {
  const dataset = checkDataset(h.dataset);
  if (h.format !== ingestion.SourceFormat.SOURCE_FORMAT_UNSPECIFIED && fromProtoSourceFormat(h.format) === undefined) {
    throw errors.invalidArgument('header.format', `unknown source format ${h.format}`);
  }
  let writeMode: IngestSpec['write_mode'];
  if (h.writeMode === ingestion.WriteMode.WRITE_MODE_UNSPECIFIED || h.writeMode === ingestion.WriteMode.WRITE_MODE_REPLACE) writeMode = 'replace';
  else if (h.writeMode === ingestion.WriteMode.WRITE_MODE_APPEND) writeMode = 'append';
  else throw errors.invalidArgument('header.write_mode', `unknown write mode ${h.writeMode}`);
  if (!Number.isInteger(h.baseSnapshot) || h.baseSnapshot < 0) throw errors.invalidArgument('header.base_snapshot', 'must be >= 0 (0: the latest)');
  if (writeMode === 'replace' && h.baseSnapshot !== 0) throw errors.invalidArgument('header.base_snapshot', 'only applies to write_mode APPEND');
  if (!Number.isSafeInteger(h.maxErrors) || h.maxErrors < 0) throw errors.invalidArgument('header.max_errors', 'must be >= 0 (0: never abort)');
  if (h.idempotencyKey.length > 200) throw errors.invalidArgument('header.idempotency_key', 'at most 200 characters');
  if (h.description.length > MAX_TEXT_CHARS) throw errors.invalidArgument('header.description', `at most ${MAX_TEXT_CHARS} characters`);
  if (h.formatOptions?.$case === 'image') {
    const side = h.formatOptions.value.maxSidePx;
    if (!Number.isInteger(side) || side < 0 || side > MAX_IMAGE_SIDE_PX) {
      throw errors.invalidArgument('header.image.max_side_px', `must be an integer in [0, ${MAX_IMAGE_SIDE_PX}] (0: keep the size)`);
    }
  }
  if (h.formatOptions?.$case === 'audio') {
    const { sampleRateHz, segmentMs } = h.formatOptions.value;
    if (!Number.isInteger(sampleRateHz) || (sampleRateHz !== 0 && (sampleRateHz < 1000 || sampleRateHz > 384_000))) {
      throw errors.invalidArgument('header.audio.sample_rate_hz', 'must be 0 (keep the rate) or 1000-384000');
    }
    if (!Number.isInteger(segmentMs) || segmentMs < 0) throw errors.invalidArgument('header.audio.segment_ms', 'must be >= 0 (0: one record per file)');
  }
  if (h.formatOptions?.$case === 'email') {
    const headers = h.formatOptions.value.headers;
    if (headers.length > 64) throw errors.invalidArgument('header.email.headers', 'at most 64 header names');
    headers.forEach((name, i) => {
      if (!/^[A-Za-z0-9-]{1,128}$/.test(name)) throw errors.invalidArgument(`header.email.headers[${i}]`, 'must be a header name (letters, digits, -)');
    });
  }
  const cleaning = cleaningSpecFromProto(h.cleaning);
  if (cleaning.dedupe_against_base && writeMode !== 'append') {
    throw errors.invalidArgument('header.cleaning.dedupe_against_base', 'only applies to write_mode APPEND');
  }
  return {
    dataset,
    write_mode: writeMode,
    base_snapshot: h.baseSnapshot,
    header_json: ingestion.IngestHeader.toJSON(h) as JsonValue,
    cleaning,
    description: h.description,
    tags: checkStringMap(h.tags, 'header.tags'),
    record_metadata: checkStringMap(h.recordMetadata, 'header.record_metadata'),
    max_errors: h.maxErrors,
  };
}
