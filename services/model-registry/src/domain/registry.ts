/**
 * The model registry's use cases: models, immutable numbered versions with
 * content-addressed artifacts, moveable aliases with an audit log. No gRPC,
 * no SQL, no environment: everything it touches is handed in.
 */
import {
  blobUri,
  createKeyedLock,
  decodePageToken,
  encodePageToken,
  errors,
  filterFingerprint,
  L1g1Error,
  type BlobInfo,
  type BlobStore,
  type BlobWriter,
  type Logger,
} from '@l1g1/kit';
import type { Readable } from 'node:stream';
import { boundedChunkStream } from './bounded-chunks';
import type {
  CallContext,
  CreateModelInput,
  DeleteAliasInput,
  DownloadInput,
  ListAliasEventsInput,
  ListModelsInput,
  ListVersionsInput,
  ModelRefInput,
  SetAliasInput,
  UpdateModelInput,
  UpdateVersionInput,
  UploadPart,
  WatchAliasesInput,
} from './inputs';
import type { AliasEventFeed, ArtifactInspector, RegistryStore } from './ports';
import { registryErrors } from './registry-errors';
import { checkVariantSignature } from './signature-match';
import type {
  AliasEventRecord,
  ArtifactRecord,
  LineageRecord,
  ModelRecord,
  Page,
  PageResult,
  Signature,
  VersionRecord,
} from './types';
import { checkDatasetRef, checkUploadHeader, readHeader, receiveArtifact, type CheckedHeader } from './uploads';
import {
  DEFAULT_ALIAS,
  checkAlias,
  checkMetrics,
  checkModelName,
  checkPageSize,
  checkTags,
  checkText,
  checkVersion,
  parsePrecision,
} from './validation';
import { watchAliasEvents } from './watch';

/** Download chunk size when the request leaves it 0. */
export const DEFAULT_DOWNLOAD_CHUNK_BYTES = 256 * 1024;
/** Largest download chunk a client may ask for (well under gRPC's message limits). */
export const MAX_DOWNLOAD_CHUNK_BYTES = 4 * 1024 * 1024;

const MAX_DESCRIPTION_CHARS = 4096;
const MAX_TASK_CHARS = 128;
const MAX_QUERY_CHARS = 256;

/** Everything the registry needs, built by the composition root. */
export interface RegistryDeps {
  store: RegistryStore;
  blobs: BlobStore;
  feed: AliasEventFeed;
  inspector: ArtifactInspector;
  /** Uploads larger than this are refused while they stream. */
  maxArtifactBytes: number;
  /** Uploads (CreateVersion + AddVariant) in progress at once; more are refused with RESOURCE_EXHAUSTED. */
  maxConcurrentUploads: number;
  logger: Logger;
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
}

/** An artifact opened for download. */
export interface OpenedArtifact {
  artifact: ArtifactRecord;
  /** The blob's bytes, in chunks of at most the requested chunk size. */
  stream: Readable;
}

/** The registry's operations; every input is validated here. */
export interface Registry {
  createModel(input: CreateModelInput): Promise<ModelRecord>;
  getModel(name: string): Promise<ModelRecord>;
  listModels(input: ListModelsInput): Promise<Page<ModelRecord>>;
  updateModel(input: UpdateModelInput): Promise<ModelRecord>;
  /** Removes a model with its versions and aliases; unreferenced blobs go too. */
  deleteModel(name: string, ctx: CallContext): Promise<{ deletedVersions: number }>;

  /** Header, then chunks; the version number is assigned once the upload verifies. */
  createVersion(parts: AsyncIterable<UploadPart>, ctx: CallContext): Promise<VersionRecord>;
  /** Adds another precision of an existing version; same stream shape. */
  addVariant(parts: AsyncIterable<UploadPart>, ctx: CallContext): Promise<VersionRecord>;
  getVersion(modelName: string, version: number): Promise<VersionRecord>;
  /** A version by number, by alias, or (neither) the `production` alias. */
  resolve(ref: ModelRefInput): Promise<VersionRecord>;
  /** Versions in ascending version order. */
  listVersions(input: ListVersionsInput): Promise<Page<VersionRecord>>;
  updateVersion(input: UpdateVersionInput): Promise<VersionRecord>;
  archiveVersion(modelName: string, version: number): Promise<VersionRecord>;
  deleteVersion(modelName: string, version: number): Promise<void>;
  openArtifact(input: DownloadInput): Promise<OpenedArtifact>;

  setAlias(input: SetAliasInput, ctx: CallContext): Promise<AliasEventRecord>;
  deleteAlias(input: DeleteAliasInput, ctx: CallContext): Promise<AliasEventRecord>;
  /** The audit log, oldest first. */
  listAliasEvents(input: ListAliasEventsInput): Promise<Page<AliasEventRecord>>;
  /**
   * Events after `afterEventId` from the log, then live ones, without gaps or
   * duplicates. Ends when `signal` aborts or the registry closes.
   */
  watchAliases(input: WatchAliasesInput, signal: AbortSignal): AsyncIterable<AliasEventRecord>;

  /** Ends watches, waits for in-flight operations, closes the store. */
  close(): Promise<void>;
}

function paginate<T, K extends string | number>(
  result: PageResult<T>,
  pageSize: number,
  kind: string,
  fingerprint: string,
  keyOf: (item: T) => K,
): Page<T> {
  const items = result.items.slice(0, pageSize);
  const last = items[items.length - 1];
  const more = result.items.length > pageSize && last !== undefined;
  return { items, total: result.total, nextPageToken: more ? encodePageToken(kind, fingerprint, keyOf(last)) : '' };
}

/** Builds the registry over the given store, blob store, event feed and inspector. */
export function createRegistry(deps: RegistryDeps): Registry {
  const { store, blobs, feed, inspector, maxArtifactBytes, maxConcurrentUploads, logger } = deps;
  let uploadsInProgress = 0;
  const now = deps.now ?? Date.now;
  const blobLocks = createKeyedLock();
  const inflight = new Set<Promise<unknown>>();
  const shutdown = new AbortController();
  let closing: Promise<void> | undefined;

  /** Runs an operation, refusing new ones once closing, so `close` can wait for the rest. */
  function track<T>(operation: () => Promise<T>): Promise<T> {
    if (shutdown.signal.aborted) return Promise.reject(errors.unavailable('the model registry is shutting down'));
    let promise: Promise<T>;
    try {
      promise = operation();
    } catch (err: unknown) {
      return Promise.reject(err);
    }
    inflight.add(promise);
    const forget = (): void => {
      inflight.delete(promise);
    };
    promise.then(forget, forget);
    return promise;
  }

  /** NOT_FOUND that says whether the model or only the version is missing. */
  async function versionMissing(modelName: string, version: number): Promise<Error> {
    return (await store.getModel(modelName))
      ? registryErrors.versionNotFound(modelName, version)
      : registryErrors.modelNotFound(modelName);
  }

  async function requireVersion(modelName: string, version: number): Promise<VersionRecord> {
    const found = await store.getVersion(modelName, version);
    if (!found) throw await versionMissing(modelName, version);
    return found;
  }

  async function requireModel(name: string): Promise<ModelRecord> {
    const model = await store.getModel(name);
    if (!model) throw registryErrors.modelNotFound(name);
    return model;
  }

  async function resolveRef(ref: ModelRefInput): Promise<VersionRecord> {
    if (ref.version !== undefined) return requireVersion(ref.name, ref.version);
    const alias = ref.alias ?? DEFAULT_ALIAS;
    const model = await requireModel(ref.name);
    const version = model.aliases[alias];
    if (version === undefined) throw registryErrors.aliasNotFound(ref.name, alias);
    return requireVersion(ref.name, version);
  }

  /** Deletes the blob unless an artifact references it; the caller holds its lock. */
  async function deleteBlobIfUnreferenced(sha256: string): Promise<void> {
    try {
      if (!(await store.isBlobReferenced(sha256))) await blobs.delete(sha256);
    } catch (err: unknown) {
      // The metadata is already consistent; an orphaned blob only wastes space.
      logger.warn({ err, sha256 }, 'could not delete an unreferenced blob');
    }
  }

  /** Aborts an upload's blob writer without hiding the error that caused it. */
  async function discard(writer: BlobWriter): Promise<void> {
    try {
      await writer.abort();
    } catch (err: unknown) {
      // The temp file is swept when the blob store next opens; the request's own error matters more.
      logger.warn({ err }, 'could not discard an aborted upload');
    }
  }

  async function collectBlobs(sha256s: readonly string[]): Promise<void> {
    for (const sha256 of new Set(sha256s)) {
      await blobLocks.run(sha256, () => deleteBlobIfUnreferenced(sha256));
    }
  }

  /**
   * Receives the artifact, inspects it, and only then commits the blob and
   * runs `insert` (the metadata transaction). Any failure before the commit
   * aborts the blob writer; a failed insert deletes the committed blob unless
   * another artifact already references the same content.
   */
  async function ingest(
    parts: AsyncIterator<UploadPart>,
    header: CheckedHeader,
    ctx: CallContext,
    checkSignature: (signature: Signature) => void,
    insert: (artifact: ArtifactRecord) => Promise<VersionRecord>,
  ): Promise<VersionRecord> {
    const writer = blobs.begin({ maxBytes: maxArtifactBytes });
    let received: { sha256: string; sizeBytes: number };
    let signature: Signature;
    try {
      const artifact = await receiveArtifact(parts, writer, header, maxArtifactBytes);
      received = { sha256: artifact.sha256, sizeBytes: artifact.sizeBytes };
      const signal = ctx.signal ? AbortSignal.any([ctx.signal, shutdown.signal]) : shutdown.signal;
      ({ signature } = await inspector.inspect(
        header.format,
        { localPath: artifact.localPath, sizeBytes: artifact.sizeBytes },
        signal,
      ));
      checkSignature(signature);
      if (ctx.signal?.aborted) throw errors.cancelled('the upload was cancelled by the client; nothing was stored');
    } catch (err: unknown) {
      await discard(writer);
      throw err;
    }
    return blobLocks.run(received.sha256, async () => {
      let blob: BlobInfo;
      try {
        blob = await writer.commit({ sha256: received.sha256, sizeBytes: received.sizeBytes });
      } catch (err: unknown) {
        await discard(writer);
        throw err;
      }
      try {
        return await insert({
          precision: header.precision,
          format: header.format,
          sha256: blob.sha256,
          sizeBytes: blob.sizeBytes,
          // The logical name, not the store's own (an S3 store answers s3://bucket/key):
          // clients see the same URI whichever store holds the bytes, and rows stay valid
          // when artifacts move from files to a bucket.
          uri: blobUri(blob.sha256),
          signature,
          createdAtMs: now(),
        });
      } catch (err: unknown) {
        await deleteBlobIfUnreferenced(blob.sha256);
        throw err;
      }
    });
  }

  /**
   * Runs an upload over the stream, always releasing the stream afterwards.
   * Each upload holds a disk file and an onnxruntime check process, so their
   * number is bounded; beyond it the call is refused before reading a byte.
   */
  async function withUpload<T>(
    parts: AsyncIterable<UploadPart>,
    run: (iterator: AsyncIterator<UploadPart>) => Promise<T>,
  ): Promise<T> {
    const iterator = parts[Symbol.asyncIterator]();
    if (uploadsInProgress >= maxConcurrentUploads) {
      await iterator.return?.().catch(() => undefined);
      throw errors.resourceExhausted(
        `${maxConcurrentUploads} uploads are already in progress; retry shortly`,
        1000,
        { reason: 'TOO_MANY_UPLOADS' },
      );
    }
    uploadsInProgress += 1;
    try {
      return await run(iterator);
    } finally {
      uploadsInProgress -= 1;
      // Stop reading: a failed upload must not keep consuming the client's bytes.
      await iterator.return?.().catch(() => undefined);
    }
  }

  async function resolveLineage(header: CheckedHeader): Promise<LineageRecord> {
    const lineage = header.lineage;
    const out: LineageRecord = {
      trainingJobId: lineage?.trainingJobId ?? '',
      codeVersion: lineage?.codeVersion ?? '',
      params: lineage?.params ?? {},
    };
    if (lineage?.dataset) out.dataset = lineage.dataset;
    if (lineage?.parent) {
      try {
        const parent = await resolveRef(lineage.parent);
        out.parent = { name: parent.modelName, version: parent.version };
      } catch (err: unknown) {
        // A lineage that points nowhere is a bad request, not a missing resource of this call.
        const message = err instanceof Error ? err.message : String(err);
        throw errors.invalidArgument('header.lineage.parent', message, { reason: 'INVALID_LINEAGE', cause: err });
      }
    }
    return out;
  }

  const registry: Registry = {
    createModel: (input) =>
      track(async () => {
        const name = checkModelName('name', input.name);
        return store.createModel(
          {
            name,
            description: checkText('description', input.description, MAX_DESCRIPTION_CHARS),
            task: checkText('task', input.task, MAX_TASK_CHARS),
            tags: checkTags('tags', input.tags),
          },
          now(),
        );
      }),

    getModel: (name) => track(() => requireModel(checkModelName('name', name))),

    listModels: (input) =>
      track(async () => {
        const pageSize = checkPageSize('page.page_size', input.page.pageSize);
        const query = checkText('query', input.query, MAX_QUERY_CHARS);
        const tags = checkTags('tags', input.tags);
        const fingerprint = filterFingerprint({ query: query.toLowerCase(), tags });
        const after = decodePageToken(input.page.pageToken, 'models', fingerprint, 'string');
        const result = await store.listModels({
          query,
          tags,
          limit: pageSize + 1,
          ...(after === undefined ? {} : { after }),
        });
        return paginate(result, pageSize, 'models', fingerprint, (m) => m.name);
      }),

    updateModel: (input) =>
      track(async () => {
        const name = checkModelName('name', input.name);
        const patch: { description?: string; task?: string; tags: Record<string, string> } = {
          tags: checkTags('tags', input.tags, true),
        };
        if (input.description !== undefined)
          patch.description = checkText('description', input.description, MAX_DESCRIPTION_CHARS);
        if (input.task !== undefined) patch.task = checkText('task', input.task, MAX_TASK_CHARS);
        return store.updateModel(name, patch, now());
      }),

    deleteModel: (name, ctx) =>
      track(async () => {
        checkModelName('name', name);
        const released = await store.deleteModel(name, ctx.actor, now());
        for (const event of released.events) feed.publish(event);
        await collectBlobs(released.sha256s);
        return { deletedVersions: released.deletedVersions };
      }),

    createVersion: (parts, ctx) =>
      track(() =>
        withUpload(parts, async (iterator) => {
          const header = checkUploadHeader(await readHeader(iterator), 'create', {
            maxArtifactBytes,
            formats: inspector.formats,
          });
          // Fail fast, before the bytes travel; the transaction checks again.
          if (!header.createModel && !(await store.getModel(header.modelName))) {
            throw new L1g1Error(
              'NOT_FOUND',
              `model "${header.modelName}" not found; create it first or set header.create_model`,
              {
                reason: 'MODEL_NOT_FOUND',
                metadata: { model: header.modelName },
              },
            );
          }
          const lineage = await resolveLineage(header);
          return ingest(
            iterator,
            header,
            ctx,
            () => undefined,
            (artifact) =>
              store.insertVersion(
                {
                  modelName: header.modelName,
                  description: header.description,
                  tags: header.tags,
                  metrics: header.metrics,
                  lineage,
                  artifact,
                  createdBy: ctx.actor,
                },
                now(),
                header.createModel ? { name: header.modelName, description: '', task: '', tags: {} } : undefined,
              ),
          );
        }),
      ),

    addVariant: (parts, ctx) =>
      track(() =>
        withUpload(parts, async (iterator) => {
          const header = checkUploadHeader(await readHeader(iterator), 'variant', {
            maxArtifactBytes,
            formats: inspector.formats,
          });
          const existing = await requireVersion(header.modelName, header.version);
          if (existing.artifacts.some((a) => a.precision === header.precision)) {
            throw registryErrors.precisionExists(header.modelName, header.version, header.precision);
          }
          const reference = existing.artifacts[0];
          const checkSignature = (signature: Signature): void => {
            if (!reference) return;
            checkVariantSignature(reference, { precision: header.precision, signature }, header.version);
          };
          return ingest(iterator, header, ctx, checkSignature, (artifact) =>
            store.insertVariant(header.modelName, header.version, artifact, now()),
          );
        }),
      ),

    getVersion: (modelName, version) =>
      track(() => requireVersion(checkModelName('model_name', modelName), checkVersion('version', version))),

    resolve: (ref) =>
      track(() => {
        const checked: ModelRefInput = { name: checkModelName('name', ref.name) };
        if (ref.version !== undefined) checked.version = checkVersion('version', ref.version);
        if (ref.alias !== undefined) checked.alias = checkAlias('alias', ref.alias);
        return resolveRef(checked);
      }),

    listVersions: (input) =>
      track(async () => {
        const modelName = checkModelName('model_name', input.modelName);
        const pageSize = checkPageSize('page.page_size', input.page.pageSize);
        const tags = checkTags('tags', input.tags);
        const dataset = checkDatasetRef('dataset', input.dataset);
        const fingerprint = filterFingerprint({
          modelName,
          archived: input.includeArchived,
          tags,
          dataset: dataset ?? null,
        });
        const after = decodePageToken(input.page.pageToken, 'versions', fingerprint, 'number');
        await requireModel(modelName);
        const result = await store.listVersions({
          modelName,
          includeArchived: input.includeArchived,
          tags,
          limit: pageSize + 1,
          ...(dataset ? { dataset } : {}),
          ...(after === undefined ? {} : { after }),
        });
        return paginate(result, pageSize, 'versions', fingerprint, (v) => v.version);
      }),

    updateVersion: (input) =>
      track(async () => {
        const modelName = checkModelName('model_name', input.modelName);
        const version = checkVersion('version', input.version);
        const patch: { description?: string; tags: Record<string, string>; metrics: Record<string, number> } = {
          tags: checkTags('tags', input.tags, true),
          metrics: checkMetrics('metrics', input.metrics),
        };
        if (input.description !== undefined)
          patch.description = checkText('description', input.description, MAX_DESCRIPTION_CHARS);
        return store.updateVersion(modelName, version, patch, now());
      }),

    archiveVersion: (modelName, version) =>
      track(() =>
        store.archiveVersion(checkModelName('model_name', modelName), checkVersion('version', version), now()),
      ),

    deleteVersion: (modelName, version) =>
      track(async () => {
        const released = await store.deleteVersion(
          checkModelName('model_name', modelName),
          checkVersion('version', version),
          now(),
        );
        await collectBlobs(released.sha256s);
      }),

    openArtifact: (input) =>
      track(async () => {
        const modelName = checkModelName('model_name', input.modelName);
        const version = checkVersion('version', input.version);
        const precision = parsePrecision('precision', input.precision);
        if (!Number.isInteger(input.chunkSize) || input.chunkSize < 0 || input.chunkSize > MAX_DOWNLOAD_CHUNK_BYTES) {
          throw errors.invalidArgument(
            'chunk_size',
            `must be between 1 and ${MAX_DOWNLOAD_CHUNK_BYTES} bytes (0 means ${DEFAULT_DOWNLOAD_CHUNK_BYTES}), got ${input.chunkSize}`,
          );
        }
        const chunkSize = input.chunkSize === 0 ? DEFAULT_DOWNLOAD_CHUNK_BYTES : input.chunkSize;
        const found = await requireVersion(modelName, version);
        const artifact = found.artifacts.find((a) => a.precision === precision);
        if (!artifact) {
          throw registryErrors.artifactNotFound(
            modelName,
            version,
            precision,
            found.artifacts.map((a) => a.precision),
          );
        }
        if (!(await blobs.stat(artifact.sha256))) {
          throw errors.internal(
            `the blob of ${precision} artifact of version ${version} of model "${modelName}" is missing from storage`,
            {
              reason: 'BLOB_MISSING',
              metadata: { sha256: artifact.sha256 },
            },
          );
        }
        // Re-chunked: only the file store reads exactly chunkSize at a time.
        const stream = boundedChunkStream(blobs.openRead(artifact.sha256, { highWaterMark: chunkSize }), chunkSize);
        return { artifact, stream };
      }),

    setAlias: (input, ctx) =>
      track(async () => {
        const modelName = checkModelName('model_name', input.modelName);
        const alias = checkAlias('alias', input.alias);
        const version = checkVersion('version', input.version);
        // The event comes out of the same transaction that wrote it: reading
        // "the latest event of this alias" afterwards could return a
        // concurrent caller's move.
        const event = await store.setAlias(modelName, alias, version, ctx.actor, now());
        feed.publish(event);
        return event;
      }),

    deleteAlias: (input, ctx) =>
      track(async () => {
        const event = await store.deleteAlias(
          checkModelName('model_name', input.modelName),
          checkAlias('alias', input.alias),
          ctx.actor,
          now(),
        );
        feed.publish(event);
        return event;
      }),

    listAliasEvents: (input) =>
      track(async () => {
        const modelName = input.modelName === '' ? undefined : checkModelName('model_name', input.modelName);
        const pageSize = checkPageSize('page.page_size', input.page.pageSize);
        const fingerprint = filterFingerprint({ modelName: modelName ?? null });
        const after = decodePageToken(input.page.pageToken, 'alias-events', fingerprint, 'number');
        // The log outlives deleted models, so only a name never seen at all is unknown.
        if (modelName !== undefined && !(await store.getModel(modelName)) && !(await store.hasAliasEvents(modelName))) {
          throw registryErrors.modelNotFound(modelName);
        }
        const result = await store.listAliasEvents({
          limit: pageSize + 1,
          ...(modelName === undefined ? {} : { modelName }),
          ...(after === undefined ? {} : { after }),
        });
        return paginate(result, pageSize, 'alias-events', fingerprint, (e) => e.eventId);
      }),

    watchAliases: (input, signal) => {
      if (shutdown.signal.aborted) throw errors.unavailable('the model registry is shutting down');
      const modelName = input.modelName === '' ? undefined : checkModelName('model_name', input.modelName);
      if (!Number.isSafeInteger(input.afterEventId) || input.afterEventId < 0) {
        throw errors.invalidArgument('after_event_id', `must be >= 0, got ${input.afterEventId}`);
      }
      return watchAliasEvents({
        store,
        feed,
        afterEventId: input.afterEventId,
        signal: AbortSignal.any([signal, shutdown.signal]),
        ...(modelName === undefined ? {} : { modelName }),
      });
    },

    close() {
      closing ??= (async () => {
        shutdown.abort();
        await Promise.allSettled([...inflight]);
        inspector.close?.();
        await store.close();
      })();
      return closing;
    },
  };
  return registry;
}
