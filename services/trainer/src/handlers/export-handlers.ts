/**
 * ExportOnnx: a job's checkpoint (named, else the best, else the latest) as
 * ONNX at the asked precision, stored in the blob store and, when asked,
 * added to the registry (fp32: a new version; fp16/int8: a variant of the
 * version the job registered).
 */
import { common, type trainer } from '@l1g1/contracts';
import { errors, oipToDataType, type AsyncService } from '@l1g1/kit';
import { readBlob, writeBlob } from '../adapters/blob-bytes';
import type { TrainerDeps } from '../deps';
import { modelFromCheckpoint } from '../domain/jobs/checkpoint-model';
import { decodeTrainJobParams, decodeTrainJobResult } from '../domain/jobs/job-params';
import { exportOnnx } from '../export/export-onnx';
import { classNamesTag } from '../jobs/train-job';
import type { ExportModelSpec } from '../export/layer-spec';
import { findTrainingJob } from './job-handlers';

type Handlers = Pick<AsyncService<trainer.TrainerServiceService>, 'exportOnnx'>;

const PRECISIONS: Readonly<Record<number, 'fp32' | 'fp16' | 'int8'>> = {
  [common.Precision.PRECISION_UNSPECIFIED]: 'fp32',
  [common.Precision.PRECISION_FP32]: 'fp32',
  [common.Precision.PRECISION_FP16]: 'fp16',
  [common.Precision.PRECISION_INT8]: 'int8',
};

export function createExportHandlers(deps: TrainerDeps): Handlers {
  return {
    async exportOnnx(req) {
      const precision = PRECISIONS[req.precision];
      if (!precision) throw errors.invalidArgument('precision', 'must be fp32, fp16 or int8');
      if (req.opset !== 0 && req.opset !== 17) throw errors.invalidArgument('opset', 'only opset 17 is written');
      const job = await findTrainingJob(deps, req.jobId);
      const params = decodeTrainJobParams(job.params);
      const architecture = params.spec.architecture;
      if (!architecture?.architecture) throw errors.failedPrecondition(`job ${job.id} names no architecture`, { reason: 'EXPORT_UNSUPPORTED' });
      let row = req.checkpointId ? await deps.checkpoints.get(req.checkpointId) : undefined;
      if (req.checkpointId && (!row || row.jobId !== job.id)) throw errors.notFound(`checkpoint ${req.checkpointId} of job ${job.id}`, { reason: 'CHECKPOINT_NOT_FOUND' });
      if (!row) {
        const all = await deps.checkpoints.list(job.id, { limit: 1000 });
        row = [...all].reverse().find((c) => c.best) ?? all[all.length - 1];
      }
      if (!row) throw errors.failedPrecondition(`job ${job.id} has no checkpoint yet`, { reason: 'NO_CHECKPOINT' });
      // Rebuilt through the library, whatever the architecture. On the event loop, as the ONNX
      // writing below: a worker thread would cost a fresh tfjs load (seconds on a loaded machine) per call.
      const model = modelFromCheckpoint(architecture, await readBlob(deps.blobs, row.sha256));
      let spec: ExportModelSpec;
      let modelTags: Record<string, string>;
      try {
        spec = model.exportSpec();
        modelTags = model.tags();
      } finally {
        model.dispose();
      }
      const exported = exportOnnx(spec, { precision, metadata: { job_id: job.id, checkpoint_id: row.id } });
      const blob = await writeBlob(deps.blobs, exported.bytes);
      let registered: common.ModelRef | undefined;
      if (req.register) {
        const r = params.spec.registerAs;
        if (!r) throw errors.failedPrecondition('the job has no register_as; nothing says where to register', { reason: 'NO_REGISTER_AS', field: 'register' });
        if (!deps.registrar) throw errors.unavailable('no model registry is configured for this trainer');
        const done = decodeTrainJobResult(job.result).registered;
        if (precision === 'fp32') {
          const ref = params.spec.data?.dataset;
          const v = await deps.registrar.createVersion(
            { modelName: r.modelName, description: r.description, tags: { ...r.tags, ...modelTags, ...classNamesTag(spec), job_id: job.id, checkpoint_id: row.id }, metrics: row.metrics, lineage: { dataset: ref, trainingJobId: job.id, parent: params.spec.baseModel, codeVersion: '', params: {} } },
            exported.bytes,
          );
          registered = { name: v.name, selector: { $case: 'version', value: v.version } };
        } else {
          if (!done) throw errors.failedPrecondition(`job ${job.id} registered no version to add a ${precision} variant to; export fp32 first`, { reason: 'NOT_REGISTERED' });
          await deps.registrar.addVariant(done.name, done.version, req.precision, exported.bytes);
          registered = { name: done.name, selector: { $case: 'version', value: done.version } };
        }
      }
      return {
        uri: blob.uri,
        sha256: blob.sha256,
        sizeBytes: blob.sizeBytes,
        precision: req.precision === common.Precision.PRECISION_UNSPECIFIED ? common.Precision.PRECISION_FP32 : req.precision,
        signature: {
          inputs: exported.signature.inputs.map((t) => ({ name: t.name, datatype: oipToDataType(t.datatype) ?? 0, shape: t.shape, dimNames: t.dimNames })),
          outputs: exported.signature.outputs.map((t) => ({ name: t.name, datatype: oipToDataType(t.datatype) ?? 0, shape: t.shape, dimNames: t.dimNames })),
        },
        registeredModel: registered,
        checkpointId: row.id,
      };
    },
  };
}
