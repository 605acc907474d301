/** ImportTasks, GetTask, ListTasks, NextTask. */
import { labeling, type common } from '@l1g1/contracts';
import { decodePageToken, encodePageToken, errors, filterFingerprint, type AsyncService } from '@l1g1/kit';
import type { LabelingDeps } from '../deps';
import { importRecords } from '../domain/task-import';
import { requireId, requireName } from './checks';
import { loadProject } from './load-project';
import { toTask } from './mappers';
import { effectiveStrategy, queueOrderOf } from '../active-learning/queue-order';
import { shuffleKey } from '../active-learning/random-order';
import type { PredictionRow } from '../domain/prediction-ports';
import { pageSizeOf } from './paging';

type Service = AsyncService<labeling.LabelingServiceService>;

const { ActiveLearningStrategy: S } = labeling;

/** The measure the strategy ranked by, for the task handed out (0 without a pre-label or in import order). */
function strategyScore(strategy: labeling.ActiveLearningStrategy, p: PredictionRow | undefined): number {
  if (!p) return 0;
  const order = queueOrderOf(strategy);
  return order === 'least_confidence' ? p.leastConfidence : order === 'margin' ? p.margin : order === 'entropy' ? p.entropy : 0;
}

/** Uploaded records one ImportTasks call may carry (the rest belongs in a snapshot). */
export const MAX_UPLOADED_RECORDS = 10_000;

export function createTaskHandlers(deps: Pick<LabelingDeps, 'store' | 'records' | 'now' | 'config'>): Pick<Service, 'importTasks' | 'getTask' | 'listTasks' | 'nextTask'> {
  const { store } = deps;
  const limits = { maxRecords: deps.config.maxImportRecords, maxRecordBytes: deps.config.maxRecordBytes };
  return {
    async importTasks(req, call) {
      const project = await loadProject(store, req.projectId);
      if (req.sampleSize < 0) throw errors.invalidArgument('sample_size', 'cannot be negative');
      if (req.labelField.length > 64) throw errors.invalidArgument('label_field', 'must be at most 64 characters (a metadata key)');
      const labelField = req.labelField;
      const seed = req.seed ?? 42;
      if (req.records.length > 0) {
        if (req.snapshot) throw errors.invalidArgument('snapshot', 'give either uploaded records or a snapshot, not both');
        if (req.records.length > MAX_UPLOADED_RECORDS) throw errors.invalidArgument('records', `at most ${MAX_UPLOADED_RECORDS} per call; publish larger sets as a snapshot`);
        const records = req.records;
        const out = await importRecords(
          store,
          project,
          (async function* () {
            yield { records, source: undefined, total: records.length, field: (i: number) => `records[${i}]` };
          })(),
          { limits, sampleSize: Number(req.sampleSize), seed: Number(seed), now: deps.now, labelField },
        );
        return { imported: out.imported, skippedExisting: out.skipped, snapshot: undefined };
      }
      const ref = req.snapshot;
      if (!ref || ref.name === '') throw errors.invalidArgument('snapshot.name', 'name the dataset to import (or upload records)');
      if (ref.snapshot < 0) throw errors.invalidArgument('snapshot.snapshot', 'expected a snapshot number (0: the latest)');
      const abort = new AbortController();
      call.on?.('cancelled', () => abort.abort());
      let pinned: common.DatasetRef | undefined;
      const source = deps.records.readRecords(ref, { metadataEquals: req.metadataEquals, split: req.split }, abort.signal);
      try {
        const out = await importRecords(
          store,
          project,
          (async function* () {
            for await (const batch of source) {
              pinned ??= batch.snapshot;
              yield { records: batch.records, source: pinned, total: batch.total, field: () => 'snapshot' };
            }
          })(),
          { limits, sampleSize: Number(req.sampleSize), seed: Number(seed), now: deps.now, labelField },
        );
        return { imported: out.imported, skippedExisting: out.skipped, snapshot: pinned };
      } finally {
        abort.abort();
      }
    },
    async getTask(req) {
      const row = await store.getTask(requireId(req.taskId, 'task_id', 'tsk'), deps.now());
      if (!row) throw errors.notFound(`task ${req.taskId}`, { reason: 'TASK_NOT_FOUND' });
      return toTask(row, (await store.predictionsOfTasks([row.id])).get(row.id));
    },
    async listTasks(req) {
      await loadProject(store, req.projectId);
      if (!Object.values(labeling.TaskState).includes(req.state)) throw errors.invalidArgument('state', 'unknown task state');
      if (!Object.values(S).includes(req.order) || req.order === S.UNRECOGNIZED) throw errors.invalidArgument('order', 'unknown order');
      if (req.order === S.ACTIVE_LEARNING_STRATEGY_RANDOM) throw errors.invalidArgument('order', 'a list has no random order; use sequential, uncertainty, margin or entropy');
      const limit = pageSizeOf(req.page);
      const order = queueOrderOf(req.order);
      const fp = filterFingerprint({ p: req.projectId, s: req.state, a: req.annotator, w: req.withPredictionOnly, o: order });
      const base = { projectId: req.projectId, state: req.state, annotator: req.annotator, withPredictionOnly: req.withPredictionOnly, limit: limit + 1, nowMs: deps.now() };
      // Import order pages by keyset; an uncertainty order (which a new pre-label run may reshuffle) by offset.
      const after = decodePageToken(req.page?.pageToken ?? '', 'labeling.tasks', fp, 'number') ?? (order === 'seq' ? -1 : 0);
      const rows = order === 'seq' ? await store.listTasks({ ...base, afterSeq: after }) : await store.listTasks({ ...base, afterSeq: -1, order, offset: after });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      const next = rows.length > limit && last ? encodePageToken('labeling.tasks', fp, order === 'seq' ? last.seq : after + limit) : '';
      const predictions = await store.predictionsOfTasks(page.map((t) => t.id));
      return { tasks: page.map((t) => toTask(t, predictions.get(t.id))), page: { nextPageToken: next, totalSize: 0 } };
    },
    async nextTask(req) {
      const project = await loadProject(store, req.projectId);
      const annotator = requireName(req.annotator, 'annotator');
      if (!Object.values(S).includes(req.strategy) || req.strategy === S.UNRECOGNIZED) throw errors.invalidArgument('strategy', 'unknown strategy');
      const strategy = effectiveStrategy(req.strategy, project.config.activeLearningStrategy, await store.hasPredictions(project.id));
      if (req.seed !== undefined && !Number.isSafeInteger(req.seed)) throw errors.invalidArgument('seed', 'must be an integer');
      // RANDOM: the annotator's own seeded shuffle (the same project, seed and annotator give the same order).
      const shuffle = strategy === S.ACTIVE_LEARNING_STRATEGY_RANDOM ? shuffleKey(project.id, req.seed ?? 0, annotator) : undefined;
      const claimed = await store.claimNextTask(project.id, annotator, deps.now(), project.config.reservationS * 1000, queueOrderOf(strategy), shuffle);
      if (!claimed) return { task: undefined, score: 0, strategy, remaining: 0 };
      const prediction = (await store.predictionsOfTasks([claimed.task.id])).get(claimed.task.id);
      return { task: toTask(claimed.task, prediction), score: strategyScore(strategy, prediction), strategy, remaining: claimed.remaining };
    },
  };
}
