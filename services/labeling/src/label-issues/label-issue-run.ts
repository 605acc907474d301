/**
 * FindLabelIssues over a project: pairs each labelled task's consensus class
 * (gold, else majority) with its out-of-fold probabilities (given by the
 * caller, or the task's current pre-label), runs confident learning, and —
 * unless a dry run — replaces the project's open label issues, which the
 * review queue lists under REVIEW_REASON_LABEL_ISSUE. No label is changed.
 */
import { labeling, type common } from '@l1g1/contracts';
import { errors } from '@l1g1/kit';
import { consensusOf } from '../domain/consensus';
import type { LabelingStore, ProjectRow } from '../domain/ports';
import type { LabelIssueRow } from '../domain/prediction-ports';
import { taskPages } from '../domain/task-pages';
import { findLabelIssues, type LabelledProbabilities } from './confident-learning';

/** Probabilities one request may carry (larger sets: pre-label them and leave the list empty). */
export const MAX_GIVEN_PROBABILITIES = 100_000;

interface Scores {
  classScores: Record<string, number>;
  model: common.ModelRef | undefined;
}

/** The caller's probabilities by task, checked (INVALID_ARGUMENT naming the entry). */
function givenScores(project: ProjectRow, given: readonly labeling.TaskProbabilities[]): Map<string, Scores> {
  if (given.length > MAX_GIVEN_PROBABILITIES) throw errors.invalidArgument('probabilities', `at most ${MAX_GIVEN_PROBABILITIES} tasks per call`);
  const classes = new Set(project.config.classes.map((c) => c.name));
  const out = new Map<string, Scores>();
  given.forEach((g, i) => {
    if (g.taskId === '') throw errors.invalidArgument(`probabilities[${i}].task_id`, 'is required');
    if (out.has(g.taskId)) throw errors.invalidArgument(`probabilities[${i}].task_id`, `task ${g.taskId} is listed twice`);
    const entries = Object.entries(g.classScores);
    if (entries.length === 0) throw errors.invalidArgument(`probabilities[${i}].class_scores`, 'give a probability per class');
    for (const [name, p] of entries) {
      if (!classes.has(name)) throw errors.invalidArgument(`probabilities[${i}].class_scores`, `"${name}" is not a class of the project`);
      if (!Number.isFinite(p) || p < 0 || p > 1) throw errors.invalidArgument(`probabilities[${i}].class_scores`, `the probability of "${name}" is not in 0..1`);
    }
    out.set(g.taskId, { classScores: g.classScores, model: undefined });
  });
  return out;
}

export interface LabelIssueReport {
  issues: LabelIssueRow[];
  thresholds: Record<string, number>;
  tasksChecked: number;
  sentToReview: number;
}

export async function runLabelIssues(store: LabelingStore, project: ProjectRow, req: labeling.FindLabelIssuesRequest, nowMs: number): Promise<LabelIssueReport> {
  if (project.config.taskType !== labeling.TaskType.TASK_TYPE_CLASSIFICATION) {
    throw errors.failedPrecondition('project_id: label issues are found for single-label classification projects', { field: 'project_id', reason: 'LABEL_ISSUES_TASK_TYPE' });
  }
  const given = req.probabilities.length > 0 ? givenScores(project, req.probabilities) : undefined;
  const seen = new Set<string>();
  const classNames = [...project.config.classes].sort((a, b) => a.index - b.index).map((c) => c.name);
  const classIndex = new Map(classNames.map((c, i) => [c, i]));
  const items: LabelledProbabilities[] = [];
  const models = new Map<string, common.ModelRef | undefined>();
  for await (const page of taskPages(store, project.id, { nowMs })) {
    const predictions = given ? undefined : await store.predictionsOfTasks(page.map((p) => p.task.id));
    for (const { task, annotations } of page) {
      const pred = predictions?.get(task.id);
      const scores: Scores | undefined = given
        ? given.get(task.id)
        : pred && { classScores: pred.classScores, model: { name: pred.modelName, selector: { $case: 'version', value: pred.modelVersion } } };
      if (given?.has(task.id)) seen.add(task.id);
      const v = consensusOf(annotations).value?.value;
      const label = v?.$case === 'classification' ? classIndex.get(v.value.labels[0] ?? '') : undefined;
      if (!scores || label === undefined) continue;
      items.push({ id: task.id, label, probabilities: classNames.map((c) => scores.classScores[c] ?? 0) });
      models.set(task.id, scores.model);
    }
  }
  if (given) {
    const i = req.probabilities.findIndex((g) => !seen.has(g.taskId));
    if (i >= 0) throw errors.invalidArgument(`probabilities[${i}].task_id`, `task ${req.probabilities[i]?.taskId} is not a task of project ${project.id}`);
  }
  const found = findLabelIssues(items, classNames.length);
  const issues: LabelIssueRow[] = found.issues.map((f) => ({
    taskId: f.id,
    projectId: project.id,
    givenLabel: classNames[f.givenLabel] as string,
    suggestedLabel: classNames[f.suggestedLabel] as string,
    givenProbability: f.givenProbability,
    suggestedProbability: f.suggestedProbability,
    suggestedThreshold: f.suggestedThreshold,
    model: models.get(f.id),
    foundAtMs: nowMs,
  }));
  if (!req.dryRun) await store.replaceLabelIssues(project.id, issues);
  const thresholds: Record<string, number> = {};
  found.thresholds.forEach((t, j) => {
    if (!Number.isNaN(t)) thresholds[classNames[j] as string] = t;
  });
  return { issues, thresholds, tasksChecked: items.length, sentToReview: req.dryRun ? 0 : issues.length };
}

export function toLabelIssue(r: LabelIssueRow): labeling.LabelIssue {
  return labeling.LabelIssue.fromPartial({
    taskId: r.taskId,
    givenLabel: r.givenLabel,
    suggestedLabel: r.suggestedLabel,
    givenProbability: r.givenProbability,
    suggestedProbability: r.suggestedProbability,
    suggestedThreshold: r.suggestedThreshold,
    model: r.model,
    foundAt: new Date(r.foundAtMs),
  });
}
