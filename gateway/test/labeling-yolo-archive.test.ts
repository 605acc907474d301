/**
 * YOLO over REST as one tar archive, against real ingestion + labeling
 * services and the real gateway: `GET …/export?format=yolo` streams a ustar
 * archive (classes.txt, labels/<task>.txt) and `POST …:import-annotations?
 * format=yolo` reads one back, member by member, into the one-transaction
 * ImportAnnotations; a malformed, hostile or oversize archive is a 400
 * naming `body` and leaves the project as it was.
 */
import { strict as assert } from 'node:assert';
import { Readable } from 'node:stream';
import { http } from '../../test/support/stack';
import { encodeTarHeader, tarChecksum } from '../src/archive/tar-header';
import { createTarPacker } from '../src/archive/tar-packer';
import { createTarReader, type TarReadEvent } from '../src/archive/tar-reader';
import { useLabelingStack } from './support/labeling-stack';

/** Archive members in order, path → text. */
async function members(archive: Buffer): Promise<[string, string][]> {
  const out: [string, string][] = [];
  for await (const e of Readable.from([archive]).pipe(createTarReader({ maxMemberBytes: 1 << 20 })) as AsyncIterable<TarReadEvent>) {
    if (e.kind === 'member') out.push([e.path, '']);
    else {
      const last = out[out.length - 1];
      if (last) last[1] += e.bytes.toString('utf8');
    }
  }
  return out;
}

function pack(files: [string, string][]): Buffer {
  const p = createTarPacker({ maxFileBytes: 1 << 20, mtimeSec: 1_700_000_000 });
  const out: Buffer[] = [];
  for (const [path, text] of files) {
    out.push(...p.file(path));
    p.data(Buffer.from(text));
  }
  return Buffer.concat([...out, ...p.end()]);
}

/** A header of a regular file `path` stating `size`, as any writer could forge it (no checks of ours in the way). */
function forgedHeader(path: string, size: number, typeflag = '0'): Buffer {
  const block = encodeTarHeader({ path: 'x', type: 'file', size: 0, mtimeSec: 0, mode: 0o644 });
  block.fill(0, 0, 100);
  block.write(path, 0, 'utf8');
  block.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
  block.write(typeflag, 156, 'ascii');
  block.write(`${tarChecksum(block).toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return block;
}

describe('gateway: YOLO export and import over REST as a tar archive', function () {
  this.timeout(120_000);
  const fixture = useLabelingStack();
  const at = () => ({ s: fixture.stack, url: fixture.stack.gateway.url });

  const exportTar = async (id: string, headers: Record<string, string>) => {
    const res = await fetch(`${at().url}/v1/labeling/projects/${id}/export?format=yolo`, { headers });
    return { res, bytes: Buffer.from(await res.arrayBuffer()) };
  };
  const importTar = (id: string, body: Buffer, headers: Record<string, string>, contentType = 'application/x-tar') =>
    http(`${at().url}/v1/labeling/projects/${id}:import-annotations?format=yolo`, { method: 'POST', headers: { ...headers, 'content-type': contentType }, body });

  /** A box project with three images: two labelled, one with no box. */
  async function boxProject(name: string): Promise<{ id: string; taskIds: string[] }> {
    const { url, s } = at();
    const created = await http(`${url}/v1/labeling/projects`, { method: 'POST', headers: s.keys.admin, json: { name, label_config: { task_type: 'bbox', classes: ['car', 'person'], annotations_per_task: 1 } } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = String(created.body.id);
    const images = [0, 1, 2].map((i) => ({ id: `img${i}`, data_base64: Buffer.from([0x89, 0x50, 0x4e, 0x47, i]).toString('base64'), content_type: 'image/png', metadata: { width: '640', height: '480' } }));
    assert.equal((await http(`${url}/v1/labeling/projects/${id}/tasks`, { method: 'POST', headers: s.keys.admin, json: { records: images } })).status, 201);
    const tasks = (await http(`${url}/v1/labeling/projects/${id}/tasks`, { headers: s.keys.admin })).body.tasks as { id: string; record: { id: string } }[];
    const boxes: Record<string, unknown[]> = {
      img0: [
        { label: 'car', x: 0.1, y: 0.2, width: 0.3, height: 0.4 },
        { label: 'person', x: 0.5, y: 0.5, width: 0.25, height: 0.5 },
      ],
      img1: [{ label: 'person', x: 0.3333, y: 0.1, width: 0.2, height: 0.7 }],
      img2: [],
    };
    for (const t of tasks) {
      const res = await http(`${url}/v1/labeling/tasks/${t.id}/annotations`, { method: 'POST', headers: s.keys.admin, json: { annotator: 'alice', value: { bbox: { boxes: boxes[t.record.id] } } } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }
    return { id, taskIds: tasks.map((t) => t.id) };
  }

  it('exports a box project as one ustar archive: classes.txt then one label file per image, as an attachment', async () => {
    const { s } = at();
    const { id, taskIds } = await boxProject('yolo-export');
    const { res, bytes } = await exportTar(id, s.keys.reader);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/x-tar');
    assert.equal(res.headers.get('content-disposition'), `attachment; filename="${id}-yolo.tar"`);
    assert.equal(bytes.length % 512, 0);
    assert.deepEqual(bytes.subarray(bytes.length - 1024), Buffer.alloc(1024), 'ends with two zero blocks');
    const files = await members(bytes);
    assert.deepEqual(files[0], ['classes.txt', 'car\nperson\n']);
    assert.deepEqual(files.slice(1).map(([p]) => p).sort(), taskIds.map((t) => `labels/${t}.txt`).sort());
    const lines = new Map(files);
    assert.equal(lines.get(`labels/${taskIds[2]}.txt`), '', 'an image without boxes still has its (empty) label file');
    assert.match(lines.get(`labels/${taskIds[0]}.txt`) ?? '', /^0 0\.25 0\.4 0\.3 0\.4\n1 0\.625 0\.75 0\.25 0\.5\n$/);
  });

  it('round-trips: the exported archive imported back gives the same export, byte for byte', async () => {
    const { s } = at();
    const { id } = await boxProject('yolo-round-trip');
    const first = (await exportTar(id, s.keys.admin)).bytes;
    const back = await importTar(id, first, s.keys.admin);
    assert.equal(back.status, 200, JSON.stringify(back.body));
    assert.deepEqual([back.body.items, back.body.tasks_created, back.body.annotations_imported], [3, 0, 3]);
    assert.deepEqual(await members((await exportTar(id, s.keys.admin)).bytes), await members(first), 'lossless: the same files');
  });

  it('imports an edited archive sent as plain bytes: the new box lands, the other images keep theirs', async () => {
    const { s } = at();
    const { id, taskIds } = await boxProject('yolo-edit');
    const first = await members((await exportTar(id, s.keys.admin)).bytes);
    const edited = first.map(([p, text]): [string, string] => [p, p === `labels/${taskIds[2]}.txt` ? '0 0.5 0.5 0.2 0.2\n' : text]);
    assert.notDeepEqual(edited, first);
    const res = await importTar(id, pack(edited), s.keys.admin, 'application/octet-stream');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(await members((await exportTar(id, s.keys.admin)).bytes), edited);
  });

  it('refuses malformed, hostile and oversize archives with a 400 naming body, and writes nothing', async () => {
    const { s } = at();
    const { id, taskIds } = await boxProject('yolo-refusals');
    const before = (await exportTar(id, s.keys.admin)).bytes;
    const good: [string, string][] = [
      ['classes.txt', 'car\nperson\n'],
      [`labels/${taskIds[0]}.txt`, '1 0.5 0.5 0.1 0.1\n'],
    ];
    const goodHead = pack(good).subarray(0, -1024);
    const end = Buffer.alloc(1024);
    const cases: [string, Buffer, RegExp][] = [
      ['not a tar', Buffer.from('classes.txt\ncar\n'.repeat(64)), /checksum|octal/],
      ['cut short', pack(good).subarray(0, 700), /cut short/],
      ['traversal', Buffer.concat([goodHead, forgedHeader('../../etc/passwd', 0), end]), /climbs out/],
      ['absolute', Buffer.concat([goodHead, forgedHeader('/etc/passwd', 0), end]), /absolute/],
      ['symlink', Buffer.concat([goodHead, forgedHeader('labels/x.txt', 0, '2'), end]), /symbolic link/],
      // Stated past the 16 MiB member bound: refused at its header, before any of its body is read.
      ['oversize member', Buffer.concat([goodHead, forgedHeader('labels/big.txt', 17 * 1024 * 1024), Buffer.alloc(512), end]), /more than the 16777216 bytes/],
    ];
    for (const [what, body, why] of cases) {
      const res = await importTar(id, body, s.keys.admin);
      assert.equal(res.status, 400, `${what}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.field, 'body', what);
      assert.match(res.body.error.message, why, what);
      assert.doesNotMatch(res.body.error.message, /\/work|node_modules|at \w+ \(|127\.0\.0\.1/, what);
    }
    // The valid members before each refusal were relayed, yet the one-transaction import kept none of them.
    assert.deepEqual(await members((await exportTar(id, s.keys.admin)).bytes), await members(before));
  });

  it('keeps the routes’ scopes and refuses YOLO where the project holds no boxes, naming format', async () => {
    const { url, s } = at();
    const { id } = await boxProject('yolo-scopes');
    // Export reads (the reader key may); import writes.
    const archive = (await exportTar(id, s.keys.reader)).bytes;
    assert.equal((await importTar(id, archive, s.keys.reader)).status, 403, 'import writes: read is not enough');
    assert.equal((await importTar(id, archive, s.keys.alice)).status, 403, 'import writes: annotate is not enough');
    assert.equal((await importTar(id, archive, {})).status, 401);
    const cls = await http(`${url}/v1/labeling/projects`, { method: 'POST', headers: s.keys.admin, json: { name: 'yolo-cls', label_config: { task_type: 'classification', classes: ['a', 'b'] } } });
    const exported = await http(`${url}/v1/labeling/projects/${cls.body.id}/export?format=yolo`, { headers: s.keys.reader });
    assert.equal(exported.status, 400, JSON.stringify(exported.body));
    assert.equal(exported.body.error.field, 'format');
    const imported = await importTar(String(cls.body.id), archive, s.keys.admin);
    assert.equal(imported.status, 400, JSON.stringify(imported.body));
    assert.equal(imported.body.error.field, 'format');
  });
});
