import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

const root = resolve(__dirname, '..', '..', '..');
const committed = join(root, 'packages', 'contracts', 'src', 'gen');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [join(dir, n)]));
}

describe('contracts: generated code', function () {
  this.timeout(60_000);

  it('is exactly what `npm run proto` generates from proto/ (regenerate and commit after editing a .proto)', () => {
    const out = mkdtempSync(join(tmpdir(), 'l1g1-proto-'));
    try {
      const run = spawnSync(process.execPath, [join(root, 'scripts', 'gen-proto.mjs'), out], { encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      const fresh = files(out).map((f) => relative(out, f)).sort();
      const have = files(committed).map((f) => relative(committed, f)).sort();
      assert.deepEqual(have, fresh, 'generated file list differs');
      for (const f of fresh) {
        assert.ok(readFileSync(join(out, f), 'utf8') === readFileSync(join(committed, f), 'utf8'), `${f} is stale: run npm run proto`);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('every service package is versioned l1g1.<svc>.v1 and the OIP service keeps its public name', () => {
    const protos = files(join(root, 'proto')).filter((f) => f.endsWith('.proto'));
    for (const f of protos.filter((p) => p.includes(`${join('proto', 'l1g1')}`))) {
      const pkg = /^package ([\w.]+);/m.exec(readFileSync(f, 'utf8'))?.[1];
      assert.match(pkg ?? '', /^l1g1\.[a-z]+\.v1$/, f);
    }
    const oip = readFileSync(join(root, 'proto', 'inference', 'grpc_predict_v2.proto'), 'utf8');
    assert.match(oip, /^package inference;/m);
    for (const rpc of ['ServerLive', 'ServerReady', 'ModelReady', 'ServerMetadata', 'ModelMetadata', 'ModelInfer']) {
      assert.match(oip, new RegExp(`rpc ${rpc}\\(${rpc}Request\\) returns \\(${rpc}Response\\)`));
    }
  });
});
