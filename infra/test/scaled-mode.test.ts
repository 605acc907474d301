/**
 * The scaled mode in the deployment files: PostgreSQL and an S3-compatible
 * bucket wired into compose and k8s, the Secrets they need, inference
 * replicas, and the optional gRPC TLS overlay. Each service's own config
 * loader runs over the environment a file gives it, so a variable a service
 * needs and the file forgets (or a value it would refuse) fails here, not at
 * the first `up`.
 */
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { parseS3BlobUrl } from '@l1g1/kit/dist/s3-blob-url';
import { loadGatewayConfig } from '../../gateway/src/config';
import { loadInferenceConfig } from '../../services/inference/src/config';
import { loadRegistryConfig } from '../../services/model-registry/src/config';
import { loadIngestionConfig } from '../../services/ingestion/src/config';
import { loadTrainerConfig } from '../../services/trainer/src/config';
import { loadLabelingConfig } from '../../services/labeling/src/config';
import { loadEvaluatorConfig } from '../../services/evaluator/src/config';
import { evaluatorStoragePlan } from '../../services/evaluator/src/storage-plan';
import { arr, isObj, obj, parseAll, readText, repoRoot, str, type Obj } from './manifest-support';

type Env = Record<string, string>;

/** Each L1G1 service's config loader, by compose service / k8s Deployment name. */
const LOADERS: Record<string, (env: Env) => unknown> = {
  'model-registry': loadRegistryConfig,
  inference: loadInferenceConfig,
  ingestion: loadIngestionConfig,
  trainer: loadTrainerConfig,
  evaluator: loadEvaluatorConfig,
  labeling: loadLabelingConfig,
  gateway: loadGatewayConfig,
};

/** Variables no config loader reads but a store adapter does (none since every service's config reads L1G1_DATABASE_URL). */
const READ_BY_ADAPTERS = new Set<string>();

/** Every evaluator store (runs, gates with decisions, benchmark results) is in the PostgreSQL of `env`, none in a pod-local SQLite file. */
function assertEvaluatorAllOnPostgres(env: Env, where: string): void {
  const plan = evaluatorStoragePlan(loadEvaluatorConfig(env));
  for (const [store, location] of Object.entries(plan)) {
    assert.deepEqual(location, { engine: 'postgres', url: env.L1G1_DATABASE_URL }, `${where}: the evaluator's ${store} are not in PostgreSQL`);
  }
}

/** Runs a service's config loader over `env`, answering the variables it read. */
function loadWith(service: string, env: Env): Set<string> {
  const loader = LOADERS[service];
  assert.ok(loader, `no config loader for ${service}`);
  const read = new Set<string>();
  const recording = new Proxy(env, {
    get(target, key) {
      if (typeof key === 'string') read.add(key);
      return typeof key === 'string' ? target[key] : undefined;
    },
  });
  try {
    loader(recording);
  } catch (err: unknown) {
    assert.fail(`${service}: its config refuses this environment: ${err instanceof Error ? err.message : String(err)}`);
  }
  return read;
}

/** Every L1G1_ / AWS_ variable a file sets must be one some service reads (a typo is never silently ignored). */
function assertAllRead(set: Iterable<string>, readByAny: Set<string>, where: string): void {
  for (const name of set) {
    if (!/^(L1G1|AWS)_/.test(name) || READ_BY_ADAPTERS.has(name)) continue;
    assert.ok(readByAny.has(name), `${where}: ${name} is set but no L1G1 service reads it`);
  }
}

/** Compose's `${VAR:-default}` → default; a bare `${VAR}` would leave the stack unstartable without it. */
function interpolate(value: string, where: string): string {
  return value
    .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}/g, (whole, name: string, fallback: string | undefined) => {
      assert.ok(fallback !== undefined, `${where}: ${whole} has no default; the stack would not start without ${name}`);
      return fallback;
    })
    .replace(/\$\$/g, '$');
}

function envOf(value: unknown, where: string): Env {
  const out: Env = {};
  for (const [k, v] of Object.entries(obj(value, where))) out[k] = interpolate(String(v), `${where}.${k}`);
  return out;
}

describe('infra: scaled mode in docker-compose.yml', () => {
  const [compose] = parseAll('docker-compose.yml');
  const services = obj(compose?.services, 'services');
  const service = (name: string): Obj => obj(services[name], `services.${name}`);
  const env = (name: string): Env => envOf(service(name).environment, `${name}.environment`);
  const exposed = (name: string): string[] => arr(service(name).expose ?? [], `${name}.expose`).map(String);

  it('gives every L1G1 service what its config reads: each loads from its compose environment', () => {
    const readByAny = new Set<string>();
    for (const name of Object.keys(LOADERS)) for (const v of loadWith(name, env(name))) readByAny.add(v);
    for (const name of Object.keys(LOADERS)) assertAllRead(Object.keys(env(name)), readByAny, `compose ${name}`);
  });

  it('runs PostgreSQL 15 with a pg_isready healthcheck, and every L1G1 service points L1G1_DATABASE_URL at it', () => {
    assert.match(str(service('postgres').image, 'postgres.image'), /^postgres:15(\.|-|$)/);
    const test = arr(obj(service('postgres').healthcheck, 'postgres.healthcheck').test, 'postgres healthcheck').map(String);
    assert.ok(test.includes('pg_isready'), 'postgres: healthcheck is not pg_isready');
    const pg = env('postgres');
    for (const name of Object.keys(LOADERS)) {
      const url = new URL(str(env(name).L1G1_DATABASE_URL, `${name}: L1G1_DATABASE_URL`));
      assert.equal(url.protocol, 'postgres:', `${name}: L1G1_DATABASE_URL scheme`);
      assert.equal(url.hostname, 'postgres', `${name}: L1G1_DATABASE_URL host is not the postgres service`);
      assert.ok(exposed('postgres').includes(url.port || '5432'), `${name}: PostgreSQL does not expose port ${url.port}`);
      assert.equal(decodeURIComponent(url.username), pg.POSTGRES_USER, `${name}: database user`);
      assert.equal(decodeURIComponent(url.password), pg.POSTGRES_PASSWORD, `${name}: database password`);
      assert.equal(url.pathname.slice(1), pg.POSTGRES_DB, `${name}: database name`);
    }
  });

  it('keeps every evaluator store (runs, gates, decisions, benchmarks) in PostgreSQL, started before the evaluator', () => {
    assertEvaluatorAllOnPostgres(env('evaluator'), 'compose');
    const waits = obj(service('evaluator').depends_on, 'evaluator.depends_on');
    assert.equal(obj(waits.postgres, 'evaluator depends_on.postgres').condition, 'service_healthy');
  });

  it('keeps the registry\'s artifacts in a MinIO bucket that an init step creates before the registry starts', () => {
    assert.match(str(service('minio').image, 'minio.image'), /^minio\/minio:RELEASE\./, 'minio: pin a release');
    assert.ok(isObj(service('minio').healthcheck), 'minio: no healthcheck');
    const registry = env('model-registry');
    const { bucket } = parseS3BlobUrl(str(registry.L1G1_BLOB_URL, 'L1G1_BLOB_URL'));
    const endpoint = new URL(str(registry.AWS_ENDPOINT_URL, 'AWS_ENDPOINT_URL'));
    assert.equal(endpoint.hostname, 'minio', 'AWS_ENDPOINT_URL is not the minio service');
    assert.ok(exposed('minio').includes(endpoint.port), `minio does not expose ${endpoint.port}`);
    const minio = env('minio');
    assert.equal(registry.AWS_ACCESS_KEY_ID, minio.MINIO_ROOT_USER, 'registry and MinIO disagree on the access key');
    assert.equal(registry.AWS_SECRET_ACCESS_KEY, minio.MINIO_ROOT_PASSWORD, 'registry and MinIO disagree on the secret key');
    assert.ok((minio.MINIO_ROOT_PASSWORD ?? '').length >= 8, 'MinIO refuses root passwords under 8 characters');

    // The init step: `mc mb` of that bucket, on an alias whose URL carries the same credentials.
    const init = service('minio-init');
    const command = [...arr(init.entrypoint ?? [], 'minio-init.entrypoint'), ...arr(init.command ?? [], 'minio-init.command')].map(String);
    assert.deepEqual(command.slice(0, 2), ['mc', 'mb'], 'minio-init does not make a bucket');
    const target = command.at(-1) ?? '';
    const [alias = '', made = ''] = target.split('/');
    assert.equal(made, bucket, `minio-init makes ${made}, the registry uses ${bucket}`);
    const aliasUrl = new URL(str(env('minio-init')[`MC_HOST_${alias}`], `MC_HOST_${alias}`));
    assert.equal(aliasUrl.hostname, 'minio');
    assert.equal(decodeURIComponent(aliasUrl.username), minio.MINIO_ROOT_USER);
    assert.equal(decodeURIComponent(aliasUrl.password), minio.MINIO_ROOT_PASSWORD);
    assert.equal(obj(obj(init.depends_on, 'minio-init.depends_on').minio, 'minio-init.depends_on.minio').condition, 'service_healthy');

    const waits = obj(service('model-registry').depends_on, 'model-registry.depends_on');
    assert.equal(obj(waits['minio-init'], 'depends_on.minio-init').condition, 'service_completed_successfully');
    assert.equal(obj(waits.postgres, 'depends_on.postgres').condition, 'service_healthy');
  });

  it('gives only the registry the S3 credentials', () => {
    for (const name of ['inference', 'gateway']) {
      assert.ok(!Object.keys(env(name)).some((k) => k.startsWith('AWS_')), `${name} has AWS credentials it never uses`);
    }
  });

  it('runs 4 inference replicas, each with its own cache and no fixed name or published port', () => {
    const inference = service('inference');
    assert.equal(obj(inference.deploy, 'inference.deploy').replicas, 4);
    assert.equal(inference.container_name, undefined, 'replicas cannot share a container_name');
    assert.equal(inference.ports, undefined, 'replicas cannot share a published port');
    const declared = obj(compose?.volumes, 'volumes');
    const dataMount = arr(inference.volumes, 'inference.volumes').map(String).find((m) => (m.split(':')[1] ?? m) === '/data');
    assert.ok(dataMount, 'inference mounts nothing at /data');
    assert.ok(!(dataMount.includes(':') && (dataMount.split(':')[0] ?? '') in declared), 'a named /data volume would be shared by the replicas');
  });

  it('keeps database and bucket data in declared named volumes', () => {
    const declared = obj(compose?.volumes, 'volumes');
    for (const [name, target] of [['postgres', '/var/lib/postgresql/data'], ['minio', '/data']] as const) {
      const mount = arr(service(name).volumes, `${name}.volumes`).map(String).find((m) => m.split(':')[1] === target);
      assert.ok(mount, `${name} mounts nothing at ${target}`);
      assert.ok((mount.split(':')[0] ?? '') in declared, `${name}: ${mount} is not a declared named volume`);
    }
  });
});

describe('infra: scaled mode in infra/k8s', () => {
  const k8s = (file: string): Obj[] => parseAll(path.join('infra', 'k8s', file));
  const [kustomization] = k8s('kustomization.yaml');
  const resources = arr(kustomization?.resources, 'resources').map((r) => str(r, 'resource'));
  const docs = resources.flatMap(k8s);
  const nameOf = (doc: Obj): string => str(obj(doc.metadata, 'metadata').name, 'metadata.name');
  const deployment = (name: string): Obj => {
    const found = docs.find((d) => d.kind === 'Deployment' && nameOf(d) === name);
    assert.ok(found, `no Deployment ${name}`);
    return found;
  };
  const containerOf = (name: string): Obj =>
    obj(arr(obj(obj(obj(deployment(name).spec, 'spec').template, 'template').spec, 'pod spec').containers, 'containers')[0], `${name} container`);
  const generators = arr(kustomization?.secretGenerator ?? [], 'secretGenerator').map((g) => obj(g, 'secretGenerator'));

  /** KEY=value lines of a committed example file (comments and blanks skipped); an empty value becomes a placeholder. */
  const exampleEnv = (relPath: string): Env => {
    const out: Env = {};
    for (const line of readText(relPath).split('\n')) {
      const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
      if (m?.[1]) out[m[1]] = m[2] || 'placeholder';
    }
    return out;
  };
  /** The keys a generated Secret will hold, from the example of each env file it is generated from. */
  const secretEnv = (name: string): Env => {
    const gen = generators.find((g) => g.name === name);
    assert.ok(gen, `Secret ${name} is referenced but neither generated nor defined in infra/k8s`);
    const env: Env = {};
    for (const file of arr(gen.envs, `${name} envs`).map((f) => str(f, 'env file'))) {
      const example = path.join('infra', 'k8s', `${file}.example`);
      assert.ok(existsSync(path.join(repoRoot, example)), `${name}: ${example} is missing (it shows operators the keys)`);
      Object.assign(env, exampleEnv(example));
    }
    return env;
  };
  /** What a container's process sees: envFrom ConfigMaps and Secrets, then its own env. */
  const containerEnv = (name: string): Env => {
    const c = containerOf(name);
    const env: Env = {};
    for (const from of arr(c.envFrom ?? [], `${name} envFrom`).map((f) => obj(f, 'envFrom'))) {
      const cmRef = from.configMapRef;
      if (isObj(cmRef)) {
        const cm = docs.find((d) => d.kind === 'ConfigMap' && nameOf(d) === cmRef.name);
        assert.ok(cm, `${name}: ConfigMap ${String(cmRef.name)} is not defined`);
        Object.assign(env, Object.fromEntries(Object.entries(obj(cm.data, 'data')).map(([k, v]) => [k, String(v)])));
      }
      if (isObj(from.secretRef)) Object.assign(env, secretEnv(str(from.secretRef.name, 'secretRef.name')));
    }
    for (const e of arr(c.env ?? [], `${name} env`).map((x) => obj(x, 'env'))) {
      if (typeof e.value === 'string') env[str(e.name, 'env.name')] = e.value;
      else if (isObj(e.valueFrom) && isObj(e.valueFrom.secretKeyRef)) {
        const ref = e.valueFrom.secretKeyRef;
        const value = secretEnv(str(ref.name, 'secretKeyRef.name'))[str(ref.key, 'secretKeyRef.key')];
        assert.ok(value !== undefined, `${name}: ${String(e.name)} reads key ${String(ref.key)} that Secret ${String(ref.name)} lacks`);
        env[str(e.name, 'env.name')] = value;
      }
    }
    return env;
  };

  it('gives every L1G1 Deployment what its config reads: each loads from its ConfigMap, Secrets and env', () => {
    const readByAny = new Set<string>();
    for (const name of Object.keys(LOADERS)) for (const v of loadWith(name, containerEnv(name))) readByAny.add(v);
    for (const name of Object.keys(LOADERS)) assertAllRead(Object.keys(containerEnv(name)), readByAny, `k8s ${name}`);
  });

  it('generates every Secret a Deployment references, from files kept out of git and out of the image', () => {
    const referenced = new Set<string>();
    for (const dep of docs.filter((d) => d.kind === 'Deployment')) {
      const pod = obj(obj(obj(dep.spec, 'spec').template, 'template').spec, 'pod spec');
      for (const v of arr(pod.volumes ?? [], 'volumes').map((x) => obj(x, 'volume'))) {
        if (isObj(v.secret)) referenced.add(str(v.secret.secretName, 'secretName'));
      }
      for (const c of arr(pod.containers, 'containers').map((x) => obj(x, 'container'))) {
        for (const f of arr(c.envFrom ?? [], 'envFrom').map((x) => obj(x, 'envFrom'))) if (isObj(f.secretRef)) referenced.add(str(f.secretRef.name, 'name'));
        for (const e of arr(c.env ?? [], 'env').map((x) => obj(x, 'env'))) {
          if (isObj(e.valueFrom) && isObj(e.valueFrom.secretKeyRef)) referenced.add(str(e.valueFrom.secretKeyRef.name, 'name'));
        }
      }
    }
    assert.deepEqual([...referenced].sort(), ['l1g1-database', 'l1g1-internal', 'l1g1-s3']);
    for (const name of referenced) secretEnv(name);
    assert.ok(!docs.some((d) => d.kind === 'Secret'), 'a Secret with values is committed in infra/k8s');
    const ignored = (file: string): string[] => readText(file).split('\n').map((l) => l.trim());
    assert.ok(ignored('.gitignore').includes('infra/k8s/secrets/*.env'), '.gitignore does not keep infra/k8s/secrets/*.env out of git');
    assert.ok(ignored('.dockerignore').includes('infra/k8s/secrets'), '.dockerignore lets infra/k8s/secrets into the image');
  });

  it('names the internal secret, the database URL and the S3 credentials in their Secrets', () => {
    assert.ok('L1G1_INTERNAL_SECRET' in secretEnv('l1g1-internal'));
    assert.equal(new URL(str(secretEnv('l1g1-database').L1G1_DATABASE_URL, 'L1G1_DATABASE_URL')).protocol, 'postgres:');
    assert.deepEqual(Object.keys(secretEnv('l1g1-s3')).sort(), ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);
    for (const name of Object.keys(LOADERS)) {
      assert.ok(containerEnv(name).L1G1_DATABASE_URL, `${name}: no L1G1_DATABASE_URL`);
      assert.ok(containerEnv(name).L1G1_INTERNAL_SECRET, `${name}: no L1G1_INTERNAL_SECRET`);
    }
  });

  it('keeps the registry\'s artifacts in the bucket of L1G1_BLOB_URL, and S3 credentials in the registry only', () => {
    const registry = containerEnv('model-registry');
    parseS3BlobUrl(str(registry.L1G1_BLOB_URL, 'L1G1_BLOB_URL'));
    assert.ok(registry.AWS_ACCESS_KEY_ID && registry.AWS_SECRET_ACCESS_KEY, 'the registry lacks S3 credentials');
    for (const name of ['inference', 'gateway']) {
      assert.ok(!Object.keys(containerEnv(name)).some((k) => k.startsWith('AWS_')), `${name} has AWS credentials it never uses`);
    }
  });

  it('runs 2 evaluator replicas with every store in PostgreSQL and nothing durable on the pod', () => {
    assertEvaluatorAllOnPostgres(containerEnv('evaluator'), 'k8s');
    const spec = obj(deployment('evaluator').spec, 'spec');
    assert.ok(Number(spec.replicas) >= 2, 'one evaluator pod: gates and decisions are shared, so replicas are safe');
    const pod = obj(obj(spec.template, 'template').spec, 'pod spec');
    const claims = arr(pod.volumes ?? [], 'volumes').map((v) => obj(v, 'volume')).filter((v) => isObj(v.persistentVolumeClaim));
    assert.deepEqual(claims, [], 'a ReadWriteOnce claim would pin the replicas to one node and hold nothing the evaluator reads');
  });

  it('serves inference through a headless Service, so gRPC clients reach every replica', () => {
    const svc = docs.find((d) => d.kind === 'Service' && nameOf(d) === 'inference');
    assert.ok(svc, 'no inference Service');
    assert.equal(obj(svc.spec, 'spec').clusterIP, 'None');
  });
});

describe('infra: gRPC TLS overlay (infra/k8s-overlays/grpc-tls)', () => {
  const dir = path.join('infra', 'k8s-overlays', 'grpc-tls');
  const [kustomization] = parseAll(path.join(dir, 'kustomization.yaml'));
  const base = parseAll(path.join('infra', 'k8s', 'kustomization.yaml'))[0];
  const baseDocs = arr(base?.resources, 'resources').flatMap((r) => parseAll(path.join('infra', 'k8s', str(r, 'resource'))));
  const generator = arr(kustomization?.secretGenerator, 'secretGenerator').map((g) => obj(g, 'generator'))[0];
  const patchRef = obj(arr(kustomization?.patches, 'patches')[0], 'patch');

  /** `key in (a,b,c)` set-based selectors, the form the overlay uses. */
  const selects = (selector: string, labels: Obj): boolean => {
    const m = /^([\w./-]+) in \(([^)]*)\)$/.exec(selector.trim());
    assert.ok(m?.[1] && m[2] !== undefined, `unsupported labelSelector ${selector}`);
    return m[2].split(',').map((v) => v.trim()).includes(String(labels[m[1]]));
  };

  it('builds on the base and generates the Secret it mounts, with a certificate, its key and the CA', () => {
    assert.deepEqual(arr(kustomization?.resources, 'resources'), ['../../k8s']);
    assert.ok(generator, 'no secretGenerator');
    assert.equal(generator.name, 'l1g1-grpc-tls');
    const files = arr(generator.files, 'files').map((f) => str(f, 'file').split('=')[0]);
    assert.deepEqual(files.sort(), ['ca.crt', 'tls.crt', 'tls.key']);
    // JSON patches keep names as written, so the generated name must not get a hash suffix.
    assert.equal(obj(generator.options, 'options').disableNameSuffixHash, true);
    const ignored = readText('.gitignore').split('\n').map((l) => l.trim());
    assert.ok(ignored.includes('infra/k8s-overlays/*/secrets/'), '.gitignore does not keep the TLS key out of git');
  });

  it('patches exactly the L1G1 Deployments: the Secret mounted read-only, L1G1_GRPC_TLS_* naming its files', () => {
    const target = obj(patchRef.target, 'target');
    assert.equal(target.kind, 'Deployment');
    const selected = baseDocs
      .filter((d) => d.kind === 'Deployment')
      .filter((d) => selects(str(target.labelSelector, 'labelSelector'), obj(obj(d.metadata, 'metadata').labels, 'labels')))
      .map((d) => str(obj(d.metadata, 'metadata').name, 'name'));
    assert.deepEqual(selected.sort(), Object.keys(LOADERS).sort());

    // A JSON patch is a list, which parseAll (mappings only) refuses.
    const list = arr(YAML.parse(readText(path.join(dir, str(patchRef.path, 'patch path')))), 'patch operations').map((o) => obj(o, 'operation'));
    const valueAt = (p: string): Obj[] => list.filter((o) => o.op === 'add' && o.path === p).map((o) => obj(o.value, p));
    const [volume] = valueAt('/spec/template/spec/volumes/-');
    assert.equal(obj(volume?.secret, 'volume.secret').secretName, generator?.name);
    const [mount] = valueAt('/spec/template/spec/containers/0/volumeMounts/-');
    assert.equal(mount?.name, volume?.name);
    assert.equal(mount?.readOnly, true);
    const env = Object.fromEntries(valueAt('/spec/template/spec/containers/0/env/-').map((e) => [str(e.name, 'name'), str(e.value, 'value')]));
    const mountPath = str(mount?.mountPath, 'mountPath');
    assert.deepEqual(env, {
      L1G1_GRPC_TLS_CERT: `${mountPath}/tls.crt`,
      L1G1_GRPC_TLS_KEY: `${mountPath}/tls.key`,
      L1G1_GRPC_TLS_CA: `${mountPath}/ca.crt`,
    });
    // The JSON patch appends to these lists, which must exist in every selected container.
    for (const name of selected) {
      const dep = baseDocs.find((d) => d.kind === 'Deployment' && obj(d.metadata, 'metadata').name === name) ?? {};
      const pod = obj(obj(obj(dep.spec, 'spec').template, 'template').spec, 'pod spec');
      const c = obj(arr(pod.containers, 'containers')[0], 'container');
      arr(pod.volumes, `${name} volumes`);
      arr(c.volumeMounts, `${name} volumeMounts`);
      arr(c.env, `${name} env`);
    }
  });
});
