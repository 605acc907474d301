/**
 * The `/v1` JSON dialect, one mapper per message. The rule (the lead's
 * convention, after Google's JSON style guide and Stripe/GitHub practice):
 * snake_case field names, enums as short lowercase strings, timestamps as
 * RFC 3339, list responses flat (`items` + `next_page_token`). Written out per
 * message rather than by a generic key converter, because user-chosen map keys
 * (tags, metrics, params) must pass through untouched, and so that the
 * OpenAPI schemas next to them describe exactly what is sent.
 */
import { common, PRECISION_NAMES, precisionFromName, precisionName as contractsPrecisionName, registry, type PrecisionName } from '@l1g1/contracts';
import { dataTypeToOip, errors } from '@l1g1/kit';
import { INT32_MAX, intParam, objectBody, optionalString, stringMap } from './routes/common';

/** `fp32` | `fp16` | `int8` (the default, fp32, when unset), from the contracts' one table. */
export function precisionName(p: common.Precision): PrecisionName {
  return contractsPrecisionName(p) ?? 'fp32';
}

/** A precision as clients spell it: lowercase `fp32`, `fp16` or `int8`. */
export function parsePrecision(value: unknown, field = 'precision'): common.Precision {
  if (value === undefined || value === '') return common.Precision.PRECISION_FP32;
  const p = typeof value === 'string' ? precisionFromName(value) : undefined;
  if (p === undefined) throw errors.invalidArgument(field, `must be one of ${[...PRECISION_NAMES.values()].join(', ')}, got ${JSON.stringify(value)}`);
  return p;
}

const timestamp = (d: Date | undefined): string | null => (d ? d.toISOString() : null);

const STATUS: Readonly<Record<number, string>> = {
  [registry.VersionStatus.VERSION_STATUS_READY]: 'ready',
  [registry.VersionStatus.VERSION_STATUS_ARCHIVED]: 'archived',
};
const ACTION: Readonly<Record<number, string>> = {
  [registry.AliasAction.ALIAS_ACTION_SET]: 'set',
  [registry.AliasAction.ALIAS_ACTION_MOVED]: 'moved',
  [registry.AliasAction.ALIAS_ACTION_REMOVED]: 'removed',
  [registry.AliasAction.ALIAS_ACTION_UNCHANGED]: 'unchanged',
};

export function modelJson(m: registry.Model) {
  return {
    name: m.name,
    description: m.description,
    task: m.task,
    tags: m.tags,
    created_at: timestamp(m.createdAt),
    updated_at: timestamp(m.updatedAt),
    latest_version: m.latestVersion,
    aliases: m.aliases,
  };
}

function tensorSpecJson(t: common.TensorSpec) {
  // Tensor datatypes keep the Open Inference Protocol's spelling ("FP32"), as in predict bodies.
  return { name: t.name, datatype: dataTypeToOip(t.datatype) ?? 'UNSPECIFIED', shape: t.shape, dim_names: t.dimNames };
}

export function signatureJson(s: common.ModelSignature | undefined) {
  return { inputs: (s?.inputs ?? []).map(tensorSpecJson), outputs: (s?.outputs ?? []).map(tensorSpecJson) };
}

/** Where the gateway serves a version's artifact. */
export function artifactDownloadUrl(name: string, version: number, precision: common.Precision): string {
  return `/v1/models/${encodeURIComponent(name)}/versions/${version}/artifact?precision=${precisionName(precision)}`;
}

/**
 * An artifact. `uri` is passed on only when it is logical (`l1g1://...`): a
 * `file://` URI would tell clients where the registry keeps its files, and is
 * of no use to them; `download_url` is how they fetch the bytes.
 */
export function artifactJson(name: string, version: number, a: registry.Artifact) {
  return {
    precision: precisionName(a.precision),
    format: a.format,
    sha256: a.sha256,
    size_bytes: a.sizeBytes,
    ...(a.uri.startsWith('l1g1://') ? { uri: a.uri } : {}),
    download_url: artifactDownloadUrl(name, version, a.precision),
    signature: signatureJson(a.signature),
    created_at: timestamp(a.createdAt),
  };
}

function modelRefJson(r: common.ModelRef | undefined) {
  if (!r) return null;
  return { name: r.name, ...(r.selector?.$case === 'version' ? { version: r.selector.value } : r.selector?.$case === 'alias' ? { alias: r.selector.value } : {}) };
}

export function lineageJson(l: registry.Lineage | undefined) {
  return {
    dataset: l?.dataset ? { name: l.dataset.name, snapshot: l.dataset.snapshot } : null,
    training_job_id: l?.trainingJobId ?? '',
    parent: modelRefJson(l?.parent),
    code_version: l?.codeVersion ?? '',
    params: l?.params ?? {},
  };
}

export function versionJson(v: registry.ModelVersion) {
  return {
    model_name: v.modelName,
    version: v.version,
    status: STATUS[v.status] ?? 'unspecified',
    description: v.description,
    tags: v.tags,
    metrics: v.metrics,
    lineage: lineageJson(v.lineage),
    artifacts: v.artifacts.map((a) => artifactJson(v.modelName, v.version, a)),
    aliases: v.aliases,
    created_at: timestamp(v.createdAt),
    created_by: v.createdBy,
  };
}

export function aliasEventJson(e: registry.AliasEvent) {
  return {
    event_id: e.eventId,
    model_name: e.modelName,
    alias: e.alias,
    action: ACTION[e.action] ?? 'unspecified',
    from_version: e.fromVersion,
    to_version: e.toVersion,
    actor: e.actor,
    at: timestamp(e.at),
    // False for a move to the version the alias already had (logged as `unchanged`).
    changed: e.changed,
  };
}

function pageJson(p: common.PageResponse | undefined) {
  return { next_page_token: p?.nextPageToken ?? '', total_size: p?.totalSize ?? 0 };
}

export function listModelsJson(r: registry.ListModelsResponse) {
  return { models: r.models.map(modelJson), ...pageJson(r.page) };
}

export function listVersionsJson(r: registry.ListVersionsResponse) {
  return { versions: r.versions.map(versionJson), ...pageJson(r.page) };
}

export function listAliasEventsJson(r: registry.ListAliasEventsResponse) {
  return { events: r.events.map(aliasEventJson), ...pageJson(r.page) };
}

/**
 * Lineage from a client (snake_case, as answered), every integer checked
 * against its proto range so that a bad value is a 400 naming it.
 */
export function lineageFromJson(value: unknown, field = 'lineage'): registry.Lineage {
  const l = objectBody(value, field);
  const known = new Set(['dataset', 'training_job_id', 'parent', 'code_version', 'params']);
  for (const k of Object.keys(l)) if (!known.has(k)) throw errors.invalidArgument(`${field}.${k}`, `unknown field (expected one of ${[...known].join(', ')})`);
  const dataset = l['dataset'] === undefined || l['dataset'] === null ? undefined : objectBody(l['dataset'], `${field}.dataset`);
  const parent = l['parent'] === undefined || l['parent'] === null ? undefined : objectBody(l['parent'], `${field}.parent`);
  let parentRef: common.ModelRef | undefined;
  if (parent) {
    const name = optionalString(parent['name'], `${field}.parent.name`) ?? '';
    const alias = optionalString(parent['alias'], `${field}.parent.alias`);
    parentRef = parent['version'] !== undefined
      ? { name, selector: { $case: 'version', value: intParam(parent['version'], `${field}.parent.version`, { min: 1, max: INT32_MAX }) } }
      : { name, selector: alias ? { $case: 'alias', value: alias } : undefined };
  }
  return {
    dataset: dataset
      ? { name: optionalString(dataset['name'], `${field}.dataset.name`) ?? '', snapshot: intParam(dataset['snapshot'], `${field}.dataset.snapshot`, { fallback: 0 }) }
      : undefined,
    trainingJobId: optionalString(l['training_job_id'], `${field}.training_job_id`) ?? '',
    parent: parentRef,
    codeVersion: optionalString(l['code_version'], `${field}.code_version`) ?? '',
    params: stringMap(l['params'], `${field}.params`),
  };
}
