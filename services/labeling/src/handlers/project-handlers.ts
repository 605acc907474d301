/** CreateProject, GetProject, ListProjects, UpdateProject, DeleteProject. */
import { labeling } from '@l1g1/contracts';
import { actorOf, decodePageToken, encodePageToken, errors, filterFingerprint, type AsyncService } from '@l1g1/kit';
import type { LabelingDeps } from '../deps';
import { applyLabelConfigChanges, normalizeLabelConfig } from '../domain/label-config';
import { newId } from '../domain/ids';
import { boundedText, requireId, requireName } from './checks';
import { loadProject } from './load-project';
import { toProject } from './mappers';
import { pageSizeOf } from './paging';

type Service = AsyncService<labeling.LabelingServiceService>;

const MAX_TAGS = 64;

function checkTags(tags: Record<string, string>, field: string): void {
  const keys = Object.keys(tags);
  if (keys.length > MAX_TAGS) throw errors.invalidArgument(field, `at most ${MAX_TAGS} tags`);
  for (const k of keys) {
    if (k === '' || k.length > 100) throw errors.invalidArgument(`${field}[${k.slice(0, 40)}]`, 'a tag key has 1..100 characters');
    if ((tags[k] ?? '').length > 1000) throw errors.invalidArgument(`${field}[${k}]`, 'a tag value has at most 1000 characters');
  }
}

export function createProjectHandlers(deps: Pick<LabelingDeps, 'store' | 'now'>): Pick<Service, 'createProject' | 'getProject' | 'listProjects' | 'updateProject' | 'deleteProject'> {
  const { store } = deps;
  return {
    async createProject(req, call) {
      const name = requireName(req.name, 'name');
      const config = normalizeLabelConfig(req.labelConfig);
      checkTags(req.tags, 'tags');
      const now = deps.now();
      const row = {
        id: newId('prj', now),
        name,
        description: boundedText(req.description, 'description', 10_000),
        instructions: boundedText(req.instructions, 'instructions', 100_000),
        config,
        tags: { ...req.tags },
        createdAtMs: now,
        updatedAtMs: now,
        createdBy: actorOf(call.metadata),
      };
      await store.insertProject(row);
      return toProject(row, { taskCount: 0, completedTaskCount: 0, annotationCount: 0 });
    },
    async getProject(req) {
      const row = await loadProject(store, req.projectId);
      return toProject(row, await store.counts(row.id, deps.now()));
    },
    async listProjects(req) {
      const limit = pageSizeOf(req.page);
      const query = boundedText(req.query, 'query', 200);
      const fp = filterFingerprint({ query, taskType: req.taskType });
      const after = decodePageToken(req.page?.pageToken ?? '', 'labeling.projects', fp, 'string') ?? '';
      const rows = await store.listProjects({ query, taskType: req.taskType, afterId: after, limit: limit + 1 });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      const projects = await Promise.all(page.map(async (r) => toProject(r, await store.counts(r.id, deps.now()))));
      return { projects, page: { nextPageToken: rows.length > limit && last ? encodePageToken('labeling.projects', fp, last.id) : '', totalSize: 0 } };
    },
    async updateProject(req) {
      requireId(req.projectId, 'project_id', 'prj');
      if (req.name !== undefined) requireName(req.name, 'name');
      checkTags(req.tags, 'tags');
      let counts = { taskCount: 0, completedTaskCount: 0, annotationCount: 0 };
      const row = await store.updateProject(req.projectId, (current, c) => {
        counts = c;
        const tags = { ...current.tags };
        for (const [k, v] of Object.entries(req.tags)) {
          if (v === '') delete tags[k];
          else tags[k] = v;
        }
        return {
          ...current,
          name: req.name ?? current.name,
          description: req.description === undefined ? current.description : boundedText(req.description, 'description', 10_000),
          instructions: req.instructions === undefined ? current.instructions : boundedText(req.instructions, 'instructions', 100_000),
          config: applyLabelConfigChanges(current.config, {
            addClasses: req.addClasses,
            renameClasses: req.renameClasses,
            annotationsPerTask: req.annotationsPerTask,
            overlapFraction: req.overlapFraction,
            activeLearningStrategy: req.activeLearningStrategy,
          }),
          tags,
          updatedAtMs: deps.now(),
        };
      }, new Map(req.renameClasses.map((r) => [r.from, r.to])));
      if (!row) throw errors.notFound(`project ${req.projectId}`, { reason: 'PROJECT_NOT_FOUND' });
      return toProject(row, counts);
    },
    async deleteProject(req) {
      requireId(req.projectId, 'project_id', 'prj');
      const out = await store.deleteProject(req.projectId, req.force);
      if (!out) throw errors.notFound(`project ${req.projectId}`, { reason: 'PROJECT_NOT_FOUND' });
      return out;
    },
  };
}
