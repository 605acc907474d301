/** Handlers of the version RPCs, including the upload and download streams. */
import type { registry } from '@l1g1/contracts';
import { actorOf, cancellationSignal, writeWithBackpressure, type AsyncService } from '@l1g1/kit';
import type { Registry } from '../domain/registry';
import { artifactToWire, modelRefFromWire, pageInput, pageToWire, precisionFromWire, versionToWire } from './mappers';
import { uploadParts } from './streams';

type Handlers = AsyncService<registry.ModelRegistryServiceService>;
/** The version RPCs of ModelRegistryService. */
export type VersionHandlers = Pick<
  Handlers,
  | 'createVersion'
  | 'addVariant'
  | 'getVersion'
  | 'resolveModel'
  | 'listVersions'
  | 'updateVersion'
  | 'archiveVersion'
  | 'deleteVersion'
  | 'downloadArtifact'
>;

/** Version handlers over `reg`. */
export function createVersionHandlers(reg: Registry): VersionHandlers {
  return {
    async createVersion(call) {
      const signal = cancellationSignal(call);
      const created = await reg.createVersion(uploadParts(call, signal), { actor: actorOf(call.metadata), signal });
      return versionToWire(created);
    },

    async addVariant(call) {
      const signal = cancellationSignal(call);
      const updated = await reg.addVariant(uploadParts(call, signal), { actor: actorOf(call.metadata), signal });
      return versionToWire(updated);
    },

    async getVersion(req) {
      return versionToWire(await reg.getVersion(req.modelName, req.version));
    },

    async resolveModel(req) {
      return versionToWire(await reg.resolve(modelRefFromWire(req)));
    },

    async listVersions(req) {
      const page = await reg.listVersions({
        modelName: req.modelName,
        page: pageInput(req.page),
        includeArchived: req.includeArchived,
        tags: req.tags,
        ...(req.dataset ? { dataset: { name: req.dataset.name, snapshot: req.dataset.snapshot } } : {}),
      });
      return { versions: page.items.map(versionToWire), page: pageToWire(page) };
    },

    async updateVersion(req) {
      return versionToWire(
        await reg.updateVersion({
          modelName: req.modelName,
          version: req.version,
          tags: req.tags,
          metrics: req.metrics,
          ...(req.description === undefined ? {} : { description: req.description }),
        }),
      );
    },

    async archiveVersion(req) {
      return versionToWire(await reg.archiveVersion(req.modelName, req.version));
    },

    async deleteVersion(req) {
      await reg.deleteVersion(req.modelName, req.version);
      return {};
    },

    async downloadArtifact(req, call) {
      const signal = cancellationSignal(call);
      const opened = await reg.openArtifact({
        modelName: req.modelName,
        version: req.version,
        precision: precisionFromWire(req.precision),
        chunkSize: req.chunkSize,
      });
      try {
        await writeWithBackpressure(call, { payload: { $case: 'info', value: artifactToWire(opened.artifact) } }, signal);
        // The domain's stream yields pieces of at most the chunk size, so each
        // read is one chunk message of at most that size.
        for await (const chunk of opened.stream as AsyncIterable<Buffer>) {
          if (signal.aborted) break;
          await writeWithBackpressure(call, { payload: { $case: 'chunk', value: chunk } }, signal);
        }
      } finally {
        opened.stream.destroy();
      }
    },
  };
}
