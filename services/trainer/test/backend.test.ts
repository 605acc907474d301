import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { L1g1Error } from '@l1g1/kit';
import { selectBackend, type BackendDeps } from '../src/engine/backend';

/** Node's own "not installed" error for `id`, as `require` throws it (with the path text we must not leak). */
function notInstalled(id: string): Error {
  return Object.assign(new Error(`Cannot find module '${id}'\nRequire stack:\n- /srv/secret/path/backend.js`), {
    code: 'MODULE_NOT_FOUND',
  });
}

/**
 * A module loader over the real `require`, where `missing` packages are not installed and
 * `fake` ones are replaced (their loading registers whatever the test says). Records what
 * was loaded.
 */
function loader(opts: { missing?: string[]; fake?: Record<string, () => unknown> }): BackendDeps['loadModule'] & { loaded: string[] } {
  const loaded: string[] = [];
  const load = (id: string): unknown => {
    loaded.push(id);
    const pkg = id.replace(/\/package\.json$/, '');
    if (opts.missing?.includes(pkg)) throw notInstalled(id);
    const fake = opts.fake?.[pkg];
    if (fake) return id.endsWith('/package.json') ? { version: '9.9.9-test' } : fake();
    return require(id) as unknown;
  };
  return Object.assign(load, { loaded });
}

const NATIVE = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];

async function rejectsWith(p: Promise<unknown>, check: (e: L1g1Error) => void): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof L1g1Error, `an L1g1Error, got ${String(e)}`);
    check(e);
    return true;
  });
}

describe('trainer engine: backend selection', () => {
  afterEach(async () => {
    if (tf.findBackend('tensorflow') !== null) tf.removeBackend('tensorflow');
    await tf.setBackend('cpu');
  });

  it('without tfjs-node, auto takes wasm with our kernels and says why the native backends were skipped', async () => {
    const report = await selectBackend({ device: 'auto' }, { tf, loadModule: loader({ missing: NATIVE }) });
    assert.equal(tf.getBackend(), 'wasm');
    assert.deepEqual(
      { name: report.name, device: report.device, kernels: report.kernels, version: report.version },
      { name: 'wasm', device: 'cpu', kernels: ['Conv2DBackpropFilter', 'UnsortedSegmentSum'], version: tf.version_core },
    );
    assert.deepEqual(report.skipped, [
      { package: '@tensorflow/tfjs-node-gpu', reason: 'not installed' },
      { package: '@tensorflow/tfjs-node', reason: 'not installed' },
    ]);
  });

  it('takes tfjs-node when it is installed and loads, and reports no custom kernels', async () => {
    const load = loader({
      missing: ['@tensorflow/tfjs-node-gpu'],
      // loading the real package registers the 'tensorflow' backend; a cpu backend stands in for libtensorflow
      fake: { '@tensorflow/tfjs-node': () => tf.registerBackend('tensorflow', () => new MathBackendCPU()) },
    });
    const report = await selectBackend({ device: 'auto' }, { tf, loadModule: load });
    assert.equal(tf.getBackend(), 'tensorflow');
    assert.deepEqual(
      { name: report.name, package: report.package, version: report.version, device: report.device, kernels: report.kernels },
      { name: 'tensorflow', package: '@tensorflow/tfjs-node', version: '9.9.9-test', device: 'cpu', kernels: [] },
    );
    assert.ok(!load.loaded.includes('@tensorflow/tfjs-backend-wasm'), 'wasm is not loaded once a faster backend started');
  });

  it('takes tfjs-node-gpu first under auto and reports device gpu', async () => {
    const load = loader({ fake: { '@tensorflow/tfjs-node-gpu': () => tf.registerBackend('tensorflow', () => new MathBackendCPU()) } });
    const report = await selectBackend({}, { tf, loadModule: load });
    assert.deepEqual([report.package, report.device], ['@tensorflow/tfjs-node-gpu', 'gpu']);
    assert.ok(!load.loaded.includes('@tensorflow/tfjs-node'));
  });

  it('device cpu never loads the GPU build, even when it is installed', async () => {
    const load = loader({
      missing: ['@tensorflow/tfjs-node'],
      fake: { '@tensorflow/tfjs-node-gpu': () => tf.registerBackend('tensorflow', () => new MathBackendCPU()) },
    });
    const report = await selectBackend({ device: 'cpu' }, { tf, loadModule: load });
    assert.equal(report.name, 'wasm');
    assert.ok(!load.loaded.some((id) => id.startsWith('@tensorflow/tfjs-node-gpu')));
  });

  it('device gpu without a loadable GPU build is FAILED_PRECONDITION on device, without paths', async () => {
    await rejectsWith(selectBackend({ device: 'gpu' }, { tf, loadModule: loader({ missing: NATIVE }) }), (e) => {
      assert.equal(e.kind, 'FAILED_PRECONDITION');
      assert.equal(e.field, 'device');
      assert.match(e.message, /@tensorflow\/tfjs-node-gpu: not installed/);
      assert.doesNotMatch(e.message, /secret|Require stack/);
    });
    assert.notEqual(tf.getBackend(), 'wasm', 'a gpu request never falls back to a cpu backend');
  });

  it('a native build that is installed but cannot load is skipped with a reason, not an error', async () => {
    const broken = () => {
      throw new Error('libtensorflow.so.2: cannot open shared object file: /usr/lib/x');
    };
    const report = await selectBackend({ device: 'auto' }, {
      tf,
      loadModule: loader({ missing: ['@tensorflow/tfjs-node-gpu'], fake: { '@tensorflow/tfjs-node': broken } }),
    });
    assert.equal(report.name, 'wasm');
    const reason = report.skipped.find((s) => s.package === '@tensorflow/tfjs-node')?.reason ?? '';
    assert.match(reason, /failed to load/);
    assert.doesNotMatch(reason, /\/usr\/lib|libtensorflow/);
  });

  it('a package that loads but registers no backend in this tfjs (a second tfjs-core) is skipped', async () => {
    const report = await selectBackend({ device: 'cpu' }, { tf, loadModule: loader({ fake: { '@tensorflow/tfjs-node': () => ({}) } }) });
    assert.equal(report.name, 'wasm');
    assert.deepEqual(report.skipped, [{ package: '@tensorflow/tfjs-node', reason: "loaded but its 'tensorflow' backend did not start" }]);
  });

  it('falls back to the plain cpu backend when wasm is missing too', async () => {
    const report = await selectBackend({ device: 'cpu' }, {
      tf,
      loadModule: loader({ missing: [...NATIVE, '@tensorflow/tfjs-backend-wasm'] }),
    });
    assert.deepEqual([report.name, report.device, report.kernels, tf.getBackend()], ['cpu', 'cpu', [], 'cpu']);
  });

  it('an unknown device is INVALID_ARGUMENT naming device', async () => {
    await rejectsWith(selectBackend({ device: 'tpu' }, { tf, loadModule: loader({}) }), (e) => {
      assert.equal(e.kind, 'INVALID_ARGUMENT');
      assert.equal(e.field, 'device');
    });
  });
});
