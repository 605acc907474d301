/**
 * Translation between the wire (ts-proto types of model_registry.proto) and
 * the domain's records and inputs. No validation here: the domain does it.
 */
import { common, registry } from '@l1g1/contracts';
import type { LineageInput, ModelRefInput, PageRequestInput, UploadPart } from '../domain/inputs';
import type {
  AliasAction,
  AliasEventRecord,
  ArtifactRecord,
  LineageRecord,
  ModelRecord,
  Page,
  Precision,
  Signature,
  VersionRecord,
} from '../domain/types';

const PRECISION_TO_WIRE: Readonly<Record<Precision, common.Precision>> = {
  FP32: common.Precision.PRECISION_FP32,
  FP16: common.Precision.PRECISION_FP16,
  INT8: common.Precision.PRECISION_INT8,
};

const ACTION_TO_WIRE: Readonly<Record<AliasAction, registry.AliasAction>> = {
  SET: registry.AliasAction.ALIAS_ACTION_SET,
  MOVED: registry.AliasAction.ALIAS_ACTION_MOVED,
  REMOVED: registry.AliasAction.ALIAS_ACTION_REMOVED,
  UNCHANGED: registry.AliasAction.ALIAS_ACTION_UNCHANGED,
};

/**
 * A wire precision as the domain spells it: '' for unspecified, the name for
 * a known value, and the raw number otherwise (so the domain's error shows it).
 */
export function precisionFromWire(value: common.Precision): string {
  switch (value) {
    case common.Precision.PRECISION_UNSPECIFIED:
      return '';
    case common.Precision.PRECISION_FP32:
      return 'FP32';
    case common.Precision.PRECISION_FP16:
      return 'FP16';
    case common.Precision.PRECISION_INT8:
      return 'INT8';
    default:
      return String(value);
  }
}

function dataTypeToWire(datatype: string): common.DataType {
  const key = `DATA_TYPE_${datatype}`;
  return key in common.DataType
    ? common.DataType[key as keyof typeof common.DataType]
    : common.DataType.DATA_TYPE_UNSPECIFIED;
}

function signatureToWire(signature: Signature): common.ModelSignature {
  const spec = (t: Signature['inputs'][number]): common.TensorSpec => ({
    name: t.name,
    datatype: dataTypeToWire(t.datatype),
    shape: t.shape,
    dimNames: t.dimNames,
  });
  return { inputs: signature.inputs.map(spec), outputs: signature.outputs.map(spec) };
}

/** A wire page request as the domain reads it (absent: first page, default size). */
export function pageInput(page: common.PageRequest | undefined): PageRequestInput {
  return { pageSize: page?.pageSize ?? 0, pageToken: page?.pageToken ?? '' };
}

/** A domain page as the wire PageResponse. */
export function pageToWire(page: Page<unknown>): common.PageResponse {
  return { nextPageToken: page.nextPageToken, totalSize: page.total };
}

/** A wire ModelRef: the oneof selector becomes an optional version or alias. */
export function modelRefFromWire(ref: common.ModelRef): ModelRefInput {
  const out: ModelRefInput = { name: ref.name };
  if (ref.selector?.$case === 'version') out.version = ref.selector.value;
  if (ref.selector?.$case === 'alias') out.alias = ref.selector.value;
  return out;
}

function lineageFromWire(lineage: registry.Lineage | undefined): LineageInput | undefined {
  if (!lineage) return undefined;
  const out: LineageInput = {
    trainingJobId: lineage.trainingJobId,
    codeVersion: lineage.codeVersion,
    params: lineage.params,
  };
  if (lineage.dataset) out.dataset = { name: lineage.dataset.name, snapshot: lineage.dataset.snapshot };
  if (lineage.parent) out.parent = modelRefFromWire(lineage.parent);
  return out;
}

/** One upload message as a domain part (header, chunk, or neither). */
export function uploadPartFromWire(message: registry.UploadArtifactRequest): UploadPart {
  const payload = message.payload;
  if (payload?.$case === 'chunk') return { kind: 'chunk', bytes: payload.value };
  if (payload?.$case !== 'header') return { kind: 'empty' };
  const h = payload.value;
  const lineage = lineageFromWire(h.lineage);
  return {
    kind: 'header',
    header: {
      modelName: h.modelName,
      version: h.version,
      precision: precisionFromWire(h.precision),
      format: h.format,
      expectedSha256: h.expectedSha256,
      expectedSizeBytes: h.expectedSizeBytes,
      description: h.description,
      tags: h.tags,
      metrics: h.metrics,
      createModel: h.createModel,
      ...(lineage ? { lineage } : {}),
    },
  };
}

/** A model as the wire Model. */
export function modelToWire(model: ModelRecord): registry.Model {
  return {
    name: model.name,
    description: model.description,
    task: model.task,
    tags: model.tags,
    createdAt: new Date(model.createdAtMs),
    updatedAt: new Date(model.updatedAtMs),
    latestVersion: model.latestVersion,
    aliases: model.aliases,
  };
}

/** An artifact as the wire Artifact (signature datatypes as common.DataType). */
export function artifactToWire(artifact: ArtifactRecord): registry.Artifact {
  return {
    precision: PRECISION_TO_WIRE[artifact.precision],
    format: artifact.format,
    sha256: artifact.sha256,
    sizeBytes: artifact.sizeBytes,
    uri: artifact.uri,
    signature: signatureToWire(artifact.signature),
    createdAt: new Date(artifact.createdAtMs),
  };
}

function lineageToWire(lineage: LineageRecord): registry.Lineage {
  return {
    dataset: lineage.dataset ? { name: lineage.dataset.name, snapshot: lineage.dataset.snapshot } : undefined,
    trainingJobId: lineage.trainingJobId,
    parent: lineage.parent
      ? { name: lineage.parent.name, selector: { $case: 'version', value: lineage.parent.version } }
      : undefined,
    codeVersion: lineage.codeVersion,
    params: lineage.params,
  };
}

/** A version as the wire ModelVersion; the lineage parent is a ModelRef by version. */
export function versionToWire(version: VersionRecord): registry.ModelVersion {
  return {
    modelName: version.modelName,
    version: version.version,
    status:
      version.status === 'ARCHIVED'
        ? registry.VersionStatus.VERSION_STATUS_ARCHIVED
        : registry.VersionStatus.VERSION_STATUS_READY,
    description: version.description,
    tags: version.tags,
    metrics: version.metrics,
    lineage: lineageToWire(version.lineage),
    artifacts: version.artifacts.map(artifactToWire),
    aliases: version.aliases,
    createdAt: new Date(version.createdAtMs),
    createdBy: version.createdBy,
  };
}

/** An audit entry as the wire AliasEvent. */
export function aliasEventToWire(event: AliasEventRecord): registry.AliasEvent {
  return {
    eventId: event.eventId,
    modelName: event.modelName,
    alias: event.alias,
    action: ACTION_TO_WIRE[event.action],
    fromVersion: event.fromVersion,
    toVersion: event.toVersion,
    actor: event.actor,
    at: new Date(event.atMs),
    changed: event.action !== 'UNCHANGED',
  };
}
