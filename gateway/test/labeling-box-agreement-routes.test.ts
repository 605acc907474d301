/**
 * Box agreement through REST against a real labeling service: the `/v1`
 * agreement answer of a bounding-box project carries box F1 (`box_f1`, the
 * default there), per-pair precision / recall / mean IoU, the pooled mean
 * IoU and the threshold used; a bad threshold or box F1 outside a box
 * project is a 400 naming the field.
 */
import { strict as assert } from 'node:assert';
import { http } from '../../test/support/stack';
import { useLabelingStack } from './support/labeling-stack';

describe('gateway: box agreement through REST against a real labeling service', function () {
  this.timeout(120_000);
  const fixture = useLabelingStack();

  const createProject = async (body: Record<string, unknown>): Promise<string> => {
    const { url, s } = at();
    const res = await http(`${url}/v1/labeling/projects`, { method: 'POST', headers: s.keys.admin, json: body });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return String(res.body.id);
  };

  const at = () => ({ s: fixture.stack, url: fixture.stack.gateway.url });

  it('answers box F1, mean IoU and the threshold in snake_case, and refuses a bad threshold naming it', async () => {
    const { url, s } = at();
    const id = await createProject({ name: 'boxes', label_config: { task_type: 'bbox', classes: ['car', 'bus'], annotations_per_task: 2 } });
    const images = ['img0', 'img1'].map((rid, i) => ({ id: rid, data_base64: Buffer.from([0x89, 0x50, 0x4e, 0x47, i]).toString('base64'), content_type: 'image/png', metadata: { width: '64', height: '48' } }));
    assert.equal((await http(`${url}/v1/labeling/projects/${id}/tasks`, { method: 'POST', headers: s.keys.admin, json: { records: images } })).status, 201);
    // img0: boxes at IoU 1/2 (a match); img1: boxes that only touch (no match).
    const answers: Record<string, Record<string, number[]>> = {
      alice: { img0: [0, 0, 0.5, 0.5], img1: [0, 0, 0.25, 0.25] },
      bob: { img0: [0, 0, 0.5, 0.25], img1: [0.25, 0, 0.25, 0.25] },
    };
    for (const who of ['alice', 'bob'] as const) {
      for (let i = 0; i < 2; i++) {
        const t = (await http(`${url}/v1/labeling/projects/${id}:next-task`, { method: 'POST', headers: s.keys[who], json: {} })).body.task;
        const [x, y, width, height] = answers[who]?.[String(t.record.id)] ?? [];
        const res = await http(`${url}/v1/labeling/tasks/${t.id}/annotations`, { method: 'POST', headers: s.keys[who], json: { value: { bbox: { boxes: [{ label: 'car', x, y, width, height }] } } } });
        assert.equal(res.status, 201, JSON.stringify(res.body));
      }
    }
    const r = await http(`${url}/v1/labeling/projects/${id}/agreement`, { headers: s.keys.reader });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.metric, 'box_f1');
    // 1 match of 2 boxes each: F1 = 2 · 1 / 4.
    assert.equal(r.body.kappa, 0.5);
    assert.equal(r.body.mean_iou, 0.5);
    assert.equal(r.body.iou_threshold, 0.5);
    assert.deepEqual(r.body.pairs, [{ annotator_a: 'alice', annotator_b: 'bob', kappa: 0.5, observed_agreement: 0.5, shared_tasks: 2, precision: 0.5, recall: 0.5, mean_iou: 0.5 }]);
    const strict = await http(`${url}/v1/labeling/projects/${id}/agreement?metric=box_f1&iou_threshold=0.75`, { headers: s.keys.reader });
    assert.deepEqual([strict.body.kappa, strict.body.iou_threshold], [0, 0.75]);
    const bad = await http(`${url}/v1/labeling/projects/${id}/agreement?iou_threshold=0`, { headers: s.keys.reader });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.field, 'iou_threshold');
  });

  it('refuses box F1 on a classification project with a 400 naming metric', async () => {
    const { url, s } = at();
    const id = await createProject({ name: 'cls', label_config: { task_type: 'classification', classes: ['a', 'b'], annotations_per_task: 2 } });
    const res = await http(`${url}/v1/labeling/projects/${id}/agreement?metric=box_f1`, { headers: s.keys.reader });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.error.field, 'metric');
  });
});
