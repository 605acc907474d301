/**
 * The streaming half of CreateVersion / AddVariant: read and check the header,
 * then stream the chunks into a blob writer, which hashes them once on the
 * way to a temporary file the inspector then reads. Nothing here publishes anything; the caller commits
 * the blob only after every check passed, and aborts it otherwise.
 */
import { errors, type BlobWriter, type SealedBlob } from '@l1g1/kit';
import type { DatasetRefInput, LineageInput, ModelRefInput, UploadHeaderInput, UploadPart } from './inputs';
import type { Precision } from './types';
import {
  checkAlias,
  checkMetrics,
  checkModelName,
  checkSha256,
  checkTags,
  checkText,
  checkVersion,
  parsePrecision,
} from './validation';

/** Format assumed when the header leaves it empty. */
export const DEFAULT_FORMAT = 'onnx';

const MAX_DESCRIPTION_CHARS = 4096;
const MAX_ID_CHARS = 256;

/** A header that passed validation. */
export interface CheckedHeader {
  modelName: string;
  version: number;
  precision: Precision;
  format: string;
  expectedSha256?: string;
  expectedSizeBytes?: number;
  description: string;
  tags: Record<string, string>;
  metrics: Record<string, number>;
  lineage?: CheckedLineage;
  createModel: boolean;
}

/** Lineage after validation; the parent is resolved against the registry later. */
export interface CheckedLineage {
  dataset?: { name: string; snapshot: number };
  trainingJobId: string;
  parent?: ModelRefInput;
  codeVersion: string;
  params: Record<string, string>;
}

/** Reads the first message, which must be the header. */
export async function readHeader(parts: AsyncIterator<UploadPart>): Promise<UploadHeaderInput> {
  const first = await parts.next();
  if (first.done) {
    throw errors.invalidArgument(
      'header',
      'the upload stream was empty; send a header message first, then the chunks',
      {
        reason: 'HEADER_REQUIRED',
      },
    );
  }
  if (first.value.kind !== 'header') {
    throw errors.invalidArgument(
      'header',
      `the first message must be a header, got ${first.value.kind === 'chunk' ? 'a chunk' : 'an empty message'}`,
      { reason: 'HEADER_REQUIRED' },
    );
  }
  return first.value.header;
}

/** Validates a dataset reference; an all-empty one means "none". */
export function checkDatasetRef(
  field: string,
  ref: DatasetRefInput | undefined,
): { name: string; snapshot: number } | undefined {
  if (!ref || (ref.name === '' && ref.snapshot === 0)) return undefined;
  if (ref.name === '') throw errors.invalidArgument(`${field}.name`, 'is required when a snapshot is given');
  checkText(`${field}.name`, ref.name, MAX_ID_CHARS);
  if (!Number.isInteger(ref.snapshot) || ref.snapshot < 0) {
    throw errors.invalidArgument(`${field}.snapshot`, `must be >= 0 (0 means the latest), got ${ref.snapshot}`);
  }
  return { name: ref.name, snapshot: ref.snapshot };
}

function checkLineage(field: string, lineage: LineageInput | undefined): CheckedLineage | undefined {
  if (!lineage) return undefined;
  const dataset = checkDatasetRef(`${field}.dataset`, lineage.dataset);
  let parent: ModelRefInput | undefined;
  if (lineage.parent && lineage.parent.name !== '') {
    parent = { name: checkModelName(`${field}.parent.name`, lineage.parent.name) };
    if (lineage.parent.version !== undefined)
      parent.version = checkVersion(`${field}.parent.version`, lineage.parent.version);
    if (lineage.parent.alias !== undefined) parent.alias = checkAlias(`${field}.parent.alias`, lineage.parent.alias);
  }
  const out: CheckedLineage = {
    trainingJobId: checkText(`${field}.training_job_id`, lineage.trainingJobId, MAX_ID_CHARS),
    codeVersion: checkText(`${field}.code_version`, lineage.codeVersion, MAX_ID_CHARS),
    params: checkTags(`${field}.params`, lineage.params),
  };
  if (dataset) out.dataset = dataset;
  if (parent) out.parent = parent;
  return out;
}

function isEmptyLineage(lineage: LineageInput | undefined): boolean {
  return (
    !lineage ||
    ((!lineage.dataset || (lineage.dataset.name === '' && lineage.dataset.snapshot === 0)) &&
      lineage.trainingJobId === '' &&
      (!lineage.parent || lineage.parent.name === '') &&
      lineage.codeVersion === '' &&
      Object.keys(lineage.params).length === 0)
  );
}

/**
 * Validates a header. `mode` decides what `version` means: CreateVersion lets
 * the registry assign it (must be 0); AddVariant names an existing version and
 * takes no version metadata (that belongs to UpdateVersion).
 */
export function checkUploadHeader(
  header: UploadHeaderInput,
  mode: 'create' | 'variant',
  options: { maxArtifactBytes: number; formats: readonly string[] },
): CheckedHeader {
  const modelName = checkModelName('header.model_name', header.modelName);
  let version = 0;
  if (mode === 'create') {
    if (header.version !== 0) {
      throw errors.invalidArgument(
        'header.version',
        `must be 0 for CreateVersion (the registry assigns version numbers), got ${header.version}; ` +
          'use AddVariant to add a precision to an existing version',
      );
    }
  } else {
    version = checkVersion('header.version', header.version);
    if (header.createModel) throw errors.invalidArgument('header.create_model', 'is only meaningful for CreateVersion');
    const extras = [
      header.description !== '' && 'description',
      Object.keys(header.tags).length > 0 && 'tags',
      Object.keys(header.metrics).length > 0 && 'metrics',
      !isEmptyLineage(header.lineage) && 'lineage',
    ].filter((x): x is string => typeof x === 'string');
    const [firstExtra] = extras;
    if (firstExtra !== undefined) {
      throw errors.invalidArgument(
        `header.${firstExtra}`,
        'a variant shares its version metadata; set it with UpdateVersion instead',
      );
    }
  }
  const format = header.format === '' ? DEFAULT_FORMAT : header.format.toLowerCase();
  if (!options.formats.includes(format)) {
    throw errors.invalidArgument(
      'header.format',
      `unsupported format "${header.format}"; supported: ${options.formats.join(', ')}`,
      {
        reason: 'UNSUPPORTED_FORMAT',
      },
    );
  }
  if (!Number.isSafeInteger(header.expectedSizeBytes) || header.expectedSizeBytes < 0) {
    throw errors.invalidArgument('header.expected_size_bytes', `must be >= 0, got ${header.expectedSizeBytes}`);
  }
  if (header.expectedSizeBytes > options.maxArtifactBytes) {
    throw errors.invalidArgument(
      'header.expected_size_bytes',
      `${header.expectedSizeBytes} bytes exceeds the size limit of ${options.maxArtifactBytes} bytes`,
      { reason: 'ARTIFACT_TOO_LARGE' },
    );
  }
  const checked: CheckedHeader = {
    modelName,
    version,
    precision: parsePrecision('header.precision', header.precision),
    format,
    description: checkText('header.description', header.description, MAX_DESCRIPTION_CHARS),
    tags: checkTags('header.tags', header.tags),
    metrics: checkMetrics('header.metrics', header.metrics),
    createModel: header.createModel,
  };
  const sha = checkSha256('header.expected_sha256', header.expectedSha256);
  if (sha !== undefined) checked.expectedSha256 = sha;
  if (header.expectedSizeBytes > 0) checked.expectedSizeBytes = header.expectedSizeBytes;
  const lineage = checkLineage('header.lineage', header.lineage);
  if (lineage) checked.lineage = lineage;
  return checked;
}

/** The received artifact: an uncommitted blob, hashed once while it was written. */
export type ReceivedArtifact = SealedBlob;

/**
 * Streams the remaining messages into `writer` (which hashes them as they
 * pass: the bytes are neither kept nor hashed a second time here), then
 * checks size and checksum against the header. Memory stays one chunk, the
 * writer awaiting the disk before the next one is read. Throws on any
 * problem; the caller aborts the writer.
 */
export async function receiveArtifact(
  parts: AsyncIterator<UploadPart>,
  writer: BlobWriter,
  header: CheckedHeader,
  maxArtifactBytes: number,
): Promise<ReceivedArtifact> {
  let size = 0;
  for (let index = 1; ; index++) {
    const next = await parts.next();
    if (next.done) break;
    const part = next.value;
    if (part.kind === 'header') {
      throw errors.invalidArgument(
        'header',
        `only the first message may be a header (message ${index + 1} was one too)`,
      );
    }
    if (part.kind === 'empty') {
      throw errors.invalidArgument('chunk', `message ${index + 1} has neither a header nor a chunk`);
    }
    size += part.bytes.byteLength;
    if (size > maxArtifactBytes) {
      throw errors.invalidArgument('chunk', `the artifact exceeds the size limit of ${maxArtifactBytes} bytes`, {
        reason: 'ARTIFACT_TOO_LARGE',
      });
    }
    if (header.expectedSizeBytes !== undefined && size > header.expectedSizeBytes) {
      throw errors.invalidArgument(
        'header.expected_size_bytes',
        `received more than the ${header.expectedSizeBytes} bytes announced`,
        { reason: 'SIZE_MISMATCH' },
      );
    }
    await writer.write(part.bytes);
  }
  if (size === 0)
    throw errors.invalidArgument('chunk', 'the artifact is empty; send its bytes in chunk messages after the header');
  if (header.expectedSizeBytes !== undefined && size !== header.expectedSizeBytes) {
    throw errors.invalidArgument(
      'header.expected_size_bytes',
      `received ${size} bytes, expected ${header.expectedSizeBytes} (upload cut short?)`,
      { reason: 'SIZE_MISMATCH' },
    );
  }
  const sealed = await writer.seal();
  const { sha256 } = sealed;
  if (header.expectedSha256 !== undefined && header.expectedSha256 !== sha256) {
    throw errors.invalidArgument(
      'header.expected_sha256',
      `the received bytes hash to ${sha256}, expected ${header.expectedSha256}`,
      { reason: 'CHECKSUM_MISMATCH' },
    );
  }
  return sealed;
}
