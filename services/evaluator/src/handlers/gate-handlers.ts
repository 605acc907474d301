/**
 * Gates: CRUD (stored), EvaluateGate (decide on a finished evaluation run,
 * store the decision with its evidence, move the promote alias through the
 * registry on pass when asked, with the caller as the audit actor) and
 * ListGateDecisions.
 */
import { randomUUID } from 'node:crypto';
import { common, evaluator, readVariantUsability, type PrecisionName, precisionName } from '@l1g1/contracts';
import { actorOf, cancellationSignal, decodePageToken, encodePageToken, errors, filterFingerprint, L1g1Error, type AsyncService } from '@l1g1/kit';
import type { AliasMover } from '../adapters/alias-mover';
import type { ModelRegistry } from '../adapters/model-registry';
import type { EvaluationRow, EvaluationStore } from '../domain/evaluations/evaluation-store';
import { BASELINE_LACKS_METRIC, decideThresholds } from '../gates/gate-decision';
import { measureGateLatency, type GateLatencyDeps } from '../gates/gate-latency';
import { checkGateName, checkProducible, normalizeGate } from '../gates/gate-rules';
import { isLanguageModelVersion } from '../domain/evaluations/plan-language-model';
import { awaitRun } from '../domain/evaluations/await-run';
import { submitEvaluation, type SubmitDeps } from '../domain/evaluations/submit-evaluation';
import type { GateStore } from '../gates/gate-store';

type Service = AsyncService<evaluator.EvaluatorServiceService>;
type GateMethods = Pick<Service, 'createGate' | 'getGate' | 'listGates' | 'updateGate' | 'deleteGate' | 'evaluateGate' | 'listGateDecisions'>;

export type GateHandlerDeps = SubmitDeps &
  GateLatencyDeps & {
    readonly gates: GateStore;
    readonly evaluations: EvaluationStore;
    readonly registry: ModelRegistry;
    readonly aliases: AliasMover;
  };

/** Longest EvaluateGate waits for the runs it queues (they keep going past it and stay readable). */
export const GATE_WAIT_MS = 10 * 60_000;

const DEFAULT_PAGE = 50;
const MAX_PAGE = 1000;
/** Baseline runs looked through for one on the gate's data. */
const BASELINE_SCAN = 200;

function pageSize(page: common.PageRequest | undefined): number {
  const n = page?.pageSize ?? 0;
  if (n < 0) throw errors.invalidArgument('page.page_size', 'must not be negative');
  return n === 0 ? DEFAULT_PAGE : Math.min(n, MAX_PAGE);
}

function now(): Date {
  return new Date();
}

function versionOf(ref: common.ModelRef | undefined): number {
  return ref?.selector?.$case === 'version' ? ref.selector.value : 0;
}

/** NOT_FOUND for a missing alias means "no baseline yet"; anything else propagates. */
async function resolveOptional(registry: ModelRegistry, ref: common.ModelRef): Promise<number> {
  try {
    return (await registry.resolve(ref)).version;
  } catch (err) {
    if (err instanceof L1g1Error && err.kind === 'NOT_FOUND') return 0;
    throw err;
  }
}

/** The run matches the gate's data: same dataset (and snapshot when the gate pins one) and split. */
function onGateData(run: EvaluationRow, gate: evaluator.Gate): boolean {
  if (gate.dataset?.name && run.dataset !== gate.dataset.name) return false;
  if (gate.dataset?.snapshot && run.snapshot !== Number(gate.dataset.snapshot)) return false;
  return run.split === gate.split;
}

export function createGateHandlers(deps: GateHandlerDeps): GateMethods {
  const { gates, evaluations, registry, aliases } = deps;

  /** Evaluates one version (fp32) on the gate's data through the Evaluate job and waits for it, bounded. */
  async function evaluateOnGateData(gate: evaluator.Gate, modelName: string, version: number, snapshot: number, actor: string, what: string): Promise<EvaluationRow> {
    if (!gate.dataset?.name) throw errors.failedPrecondition(`gate "${gate.name}" has no dataset to evaluate on; give evaluation_run_id or set the gate's dataset`, { field: 'evaluation_run_id' });
    const queued = await submitEvaluation(
      deps,
      evaluator.EvaluateRequest.fromPartial({
        model: { name: modelName, selector: { $case: 'version', value: version } },
        precision: common.Precision.PRECISION_FP32,
        dataset: { name: gate.dataset.name, snapshot },
        split: gate.split,
        labelField: gate.labelField,
        tags: { purpose: 'gate', gate: gate.name },
      }),
      actor,
    );
    return awaitRun(evaluations, deps.jobs, queued.runId, what, { timeoutMs: GATE_WAIT_MS });
  }

  async function mustGet(name: string, field: string): Promise<evaluator.Gate> {
    checkGateName(name, field);
    const gate = await gates.get(name);
    if (!gate) throw errors.notFound(`gate "${name}"`, { reason: 'GATE_NOT_FOUND' });
    return gate;
  }

  return {
    async createGate(req) {
      if (!req.gate) throw errors.invalidArgument('gate', 'is required');
      const at = now();
      const gate = { ...normalizeGate(req.gate), createdAt: at, updatedAt: at };
      if (!(await gates.create(gate))) throw errors.alreadyExists(`gate "${gate.name}"`, { reason: 'GATE_EXISTS' });
      return gate;
    },

    async getGate(req) {
      return mustGet(req.name, 'name');
    },

    async listGates(req) {
      const limit = pageSize(req.page);
      const fp = filterFingerprint({});
      const after = decodePageToken(req.page?.pageToken ?? '', 'gates', fp, 'string');
      const rows = await gates.list(limit + 1, after);
      const page = rows.slice(0, limit);
      const next = rows.length > limit ? encodePageToken('gates', fp, page[page.length - 1]!.name) : '';
      return { gates: page, page: { nextPageToken: next, totalSize: 0 } };
    },

    async updateGate(req) {
      checkGateName(req.name, 'name');
      // The merge runs inside the store's read-modify-write: an update on another replica at the same
      // moment is merged into, never overwritten. A decision in flight keeps the gate it read (its
      // evidence names the thresholds it applied); the next decision applies this update.
      const merge = (old: evaluator.Gate): evaluator.Gate => {
        const tags = { ...old.tags };
        for (const [k, v] of Object.entries(req.tags)) {
          if (v === '') delete tags[k];
          else tags[k] = v;
        }
        const merged: evaluator.Gate = {
          ...old,
          description: req.description ?? old.description,
          thresholds: req.thresholds.length > 0 ? req.thresholds : old.thresholds,
          dataset: req.dataset ?? old.dataset,
          split: req.split ?? old.split,
          labelField: req.labelField ?? old.labelField,
          baselineAlias: req.baselineAlias ?? old.baselineAlias,
          promoteAlias: req.promoteAlias ?? old.promoteAlias,
          maxVariantDrop: req.maxVariantDrop ?? old.maxVariantDrop,
          // A negative budget removes it (an optional double cannot be unset otherwise).
          maxLatencyP95Ms: req.maxLatencyP95Ms === undefined ? old.maxLatencyP95Ms : req.maxLatencyP95Ms < 0 ? undefined : req.maxLatencyP95Ms,
          latencyBatchSize: req.latencyBatchSize ?? old.latencyBatchSize,
          tags,
          updatedAt: now(),
        };
        // Field paths of an update are the request's own (thresholds[0].metric, not gate.thresholds...).
        return normalizeGate(merged, '');
      };
      const gate = await gates.update(req.name, merge);
      if (!gate) throw errors.notFound(`gate "${req.name}"`, { reason: 'GATE_NOT_FOUND' });
      return gate;
    },

    async deleteGate(req) {
      checkGateName(req.name, 'name');
      if (!(await gates.delete(req.name))) throw errors.notFound(`gate "${req.name}"`, { reason: 'GATE_NOT_FOUND' });
      return {};
    },

    async evaluateGate(req, call) {
      const gate = await mustGet(req.gateName, 'gate_name');
      if (!req.model?.name) throw errors.invalidArgument('model.name', 'the candidate model is required');
      const version = await registry.resolve(req.model);
      const actor = actorOf(call.metadata);
      let run: EvaluationRow;
      if (req.evaluationRunId) {
        const given = await evaluations.get(req.evaluationRunId);
        if (!given) throw errors.notFound(`evaluation run "${req.evaluationRunId}"`, { reason: 'EVALUATION_NOT_FOUND' });
        run = given;
      } else {
        // No run given: evaluate the candidate on the gate's data now (a refused split or input names the field);
        // a threshold its evaluation cannot produce is refused first, so nothing is queued for it.
        checkProducible(gate.thresholds, isLanguageModelVersion(version));
        run = await evaluateOnGateData(gate, version.modelName, version.version, Number(gate.dataset?.snapshot ?? 0), actor, `${version.modelName} version ${version.version}`);
      }
      if (run.modelName !== version.modelName || run.modelVersion !== version.version) {
        throw errors.invalidArgument('evaluation_run_id', `run ${run.runId} evaluated ${run.modelName} version ${run.modelVersion}, not ${version.modelName} version ${version.version}`);
      }
      if (run.state !== 'succeeded') throw errors.failedPrecondition(`evaluation run ${run.runId} is ${run.state}, not succeeded`, { field: 'evaluation_run_id' });
      if (!onGateData(run, gate)) {
        throw errors.invalidArgument('evaluation_run_id', `run ${run.runId} is on ${run.dataset}#${run.snapshot} split "${run.split}", not the gate's data (${gate.dataset?.name ?? 'any'} split "${gate.split}")`);
      }

      // The baseline: the version the alias points at now, and its latest fp32 run on the same data.
      let baselineVersion = 0;
      let baselineRun: EvaluationRow | undefined;
      const relative = gate.thresholds.some((t) => t.relativeToBaseline);
      if (gate.baselineAlias) baselineVersion = await resolveOptional(registry, { name: version.modelName, selector: { $case: 'alias', value: gate.baselineAlias } });
      const reasons: string[] = [];
      if (relative && baselineVersion > 0) {
        const candidates = await evaluations.list({ modelName: version.modelName, modelVersion: baselineVersion, dataset: run.dataset, snapshot: run.snapshot, state: 'succeeded' }, BASELINE_SCAN);
        baselineRun = candidates.find((r) => r.split === run.split && r.precision === 'fp32');
        // Deciding from scratch (no run given): evaluate the baseline too, on the candidate's snapshot.
        if (!baselineRun && !req.evaluationRunId) {
          baselineRun = await evaluateOnGateData(gate, version.modelName, baselineVersion, run.snapshot, actor, `the baseline (${gate.baselineAlias} = version ${baselineVersion})`);
        }
        if (!baselineRun) reasons.push(`no finished fp32 evaluation of the baseline (${gate.baselineAlias} = version ${baselineVersion}) on ${run.dataset}#${run.snapshot} split "${run.split}"; evaluate it first`);
      }
      // A baseline without a run gives `{}`: its relative thresholds fail, explained once by the reason above.
      const verdict = decideThresholds(gate.thresholds, run.metrics, baselineVersion > 0 && relative ? (baselineRun?.metrics ?? {}) : undefined);
      reasons.push(...verdict.reasons.filter((r) => !(baselineRun === undefined && r.endsWith(BASELINE_LACKS_METRIC))));

      // Every fp16/int8 variant must have been checked and found within the gate's bound.
      if (gate.maxVariantDrop !== undefined) {
        for (const a of version.artifacts) {
          const name = precisionName(a.precision) as PrecisionName | undefined;
          if (!name || name === 'fp32') continue;
          const u = readVariantUsability(version.tags, name);
          if (u.state === 'unchecked') reasons.push(`${name} variant not checked against fp32 (run CompareVariants)`);
          else if (u.state === 'not_usable') reasons.push(`${name} variant not usable: ${u.reason}`);
        }
      }

      // Latency budget: a short bounded benchmark of the candidate through inference, stored.
      let latency: { p95Ms: number | undefined; runId: string } | undefined;
      const latencyBatch = gate.latencyBatchSize || 1;
      if (gate.maxLatencyP95Ms !== undefined) {
        latency = await measureGateLatency(deps, version, latencyBatch, cancellationSignal(call));
        if (latency.p95Ms === undefined) reasons.push(`latency not measured: every benchmark request at batch size ${latencyBatch} failed (benchmark run ${latency.runId || 'none'})`);
        else if (latency.p95Ms > gate.maxLatencyP95Ms) {
          reasons.push(`latency p95 ${latency.p95Ms.toFixed(3)} ms > budget ${gate.maxLatencyP95Ms} ms at batch size ${latencyBatch} (benchmark run ${latency.runId})`);
        }
      }

      const passed = reasons.length === 0;
      const decision: evaluator.GateDecision = {
        decisionId: randomUUID(),
        gateName: gate.name,
        model: { name: version.modelName, selector: { $case: 'version', value: version.version } },
        passed,
        results: verdict.results,
        reasons,
        evaluationRunId: run.runId,
        baselineVersion,
        baselineRunId: baselineRun?.runId ?? '',
        promoted: false,
        promotedAlias: '',
        previousAliasVersion: 0,
        decidedAt: now(),
        decidedBy: actor,
        latencyBatchSize: latency ? latencyBatch : 0,
        benchmarkRunId: latency?.runId ?? '',
        ...(latency?.p95Ms === undefined ? {} : { latencyP95Ms: latency.p95Ms }),
      };
      const promoteAlias = gate.promoteAlias;
      if (passed && req.promote && promoteAlias) {
        // Read, move and record under the alias's promotion lock: two replicas promoting at once are
        // ordered, each decision naming the version it really replaced, the newest the one now served.
        return gates.addPromotedDecision(JSON.stringify([version.modelName, promoteAlias]), async () => {
          const previousAliasVersion = await resolveOptional(registry, { name: version.modelName, selector: { $case: 'alias', value: promoteAlias } });
          await aliases.setAlias(version.modelName, promoteAlias, version.version, actor);
          return { ...decision, promoted: true, promotedAlias: promoteAlias, previousAliasVersion };
        });
      }
      await gates.addDecision(decision);
      return decision;
    },

    async listGateDecisions(req) {
      if (req.gateName) checkGateName(req.gateName, 'gate_name');
      const limit = pageSize(req.page);
      const filter = { gateName: req.gateName, modelName: req.model?.name ?? '', modelVersion: versionOf(req.model) };
      const fp = filterFingerprint(filter);
      const before = decodePageToken(req.page?.pageToken ?? '', 'gate-decisions', fp, 'string');
      const rows = await gates.listDecisions(filter, limit + 1, before);
      const page = rows.slice(0, limit);
      const next = rows.length > limit ? encodePageToken('gate-decisions', fp, page[page.length - 1]!.decisionId) : '';
      return { decisions: page, page: { nextPageToken: next, totalSize: 0 } };
    },
  };
}
