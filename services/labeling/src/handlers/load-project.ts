/** The project a request names, or INVALID_ARGUMENT (bad id) / NOT_FOUND: one rule for every handler group. */
import { errors } from '@l1g1/kit';
import type { LabelingStore, ProjectRow } from '../domain/ports';
import { requireId } from './checks';

export async function loadProject(store: Pick<LabelingStore, 'getProject'>, id: string, field = 'project_id'): Promise<ProjectRow> {
  const row = await store.getProject(requireId(id, field, 'prj'));
  if (!row) throw errors.notFound(`project ${id}`, { reason: 'PROJECT_NOT_FOUND' });
  return row;
}
