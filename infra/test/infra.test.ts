import { strict as assert } from 'node:assert';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { arr, isObj, obj, parseAll, readText, repoRoot, str, type Obj } from './manifest-support';

// Structural checks on the deployment files: what a reviewer would otherwise verify by eye.
// Nothing here needs Docker or a cluster.

const k8sDir = path.join(repoRoot, 'infra', 'k8s');

/** The services built from this repository; each runs from the shared image. */
const L1G1_SERVICES = ['model-registry', 'inference', 'ingestion', 'gateway'] as const;

/** The workspace folder a `node <workspace>/dist/main.js` command runs; throws on any other shape. */
export function workspaceOfCommand(command: unknown, where: string): string {
  const argv = arr(command, `${where} command`).map((a, i) => str(a, `${where} command[${i}]`));
  assert.equal(argv[0], 'node', `${where}: command must start with node`);
  const script = str(argv[1], `${where} command script`);
  const match = /^((?:[a-z0-9-]+\/)*[a-z0-9-]+)\/dist\/main\.js$/.exec(script);
  assert.ok(match?.[1], `${where}: ${script} is not of the form <workspace>/dist/main.js`);
  return match[1];
}

/** True when every key/value of `selector` appears in `labels`; an empty selector matches nothing. */
export function selectorMatches(selector: Obj, labels: Obj): boolean {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

function rootWorkspaces(): string[] {
  const pkg = obj(JSON.parse(readText('package.json')), 'package.json');
  return arr(pkg.workspaces, 'package.json workspaces').map((w) => str(w, 'workspace'));
}

function assertRunnableWorkspace(workspace: string, where: string): void {
  assert.ok(
    existsSync(path.join(repoRoot, workspace, 'package.json')),
    `${where}: workspace folder ${workspace} does not exist in the repo`,
  );
  assert.ok(rootWorkspaces().includes(workspace), `${where}: ${workspace} is not a root npm workspace, so it is not built`);
}

/** The port of a `host:port` listen address. */
function portOf(address: string): string {
  return address.slice(address.lastIndexOf(':') + 1);
}

describe('infra: helpers', () => {
  it('workspaceOfCommand accepts <workspace>/dist/main.js and rejects other shapes', () => {
    assert.equal(workspaceOfCommand(['node', 'services/inference/dist/main.js'], 't'), 'services/inference');
    assert.throws(() => workspaceOfCommand(['node', 'services/inference/src/main.ts'], 't'));
    assert.throws(() => workspaceOfCommand(['npm', 'start'], 't'));
    assert.throws(() => workspaceOfCommand('node gateway/dist/main.js', 't'));
  });

  it('selectorMatches needs every selector label and a non-empty selector', () => {
    const labels = { 'app.kubernetes.io/name': 'gateway', 'app.kubernetes.io/part-of': 'l1g1' };
    assert.equal(selectorMatches({ 'app.kubernetes.io/name': 'gateway' }, labels), true);
    assert.equal(selectorMatches({ 'app.kubernetes.io/name': 'inference' }, labels), false);
    assert.equal(selectorMatches({ 'app.kubernetes.io/name': 'gateway', tier: 'x' }, labels), false);
    assert.equal(selectorMatches({}, labels), false);
  });
});

describe('infra: Dockerfile', () => {
  // One entry per instruction: comments dropped, backslash continuations joined.
  const lines = readText('infra/Dockerfile')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n');
  const stageStarts = lines.flatMap((l, i) => (/^FROM\s/i.test(l) ? [i] : []));
  const finalStage = lines.slice(stageStarts.at(-1) ?? 0);

  it('is multi-stage on a node:20-bookworm-slim base', () => {
    assert.ok(stageStarts.length >= 2, 'expected a build stage and a runtime stage');
    const text = lines.join('\n');
    assert.match(text, /node:20-bookworm-slim/);
  });

  it('builds with npm ci and npm run build', () => {
    const runs = lines.filter((l) => /^RUN\s/i.test(l)).join('\n');
    assert.match(runs, /\bnpm ci\b/);
    assert.match(runs, /\bnpm run build\b/);
  });

  it('runs the final stage as a non-root user, in /app, with production env', () => {
    const users = finalStage.filter((l) => /^USER\s/i.test(l));
    const user = users.at(-1)?.split(/\s+/)[1];
    assert.ok(user, 'final stage sets no USER, so it runs as root');
    assert.ok(!/^(root|0)(:|$)/.test(user), `final stage USER is ${user}`);
    assert.ok(finalStage.some((l) => /^WORKDIR\s+\/app$/i.test(l)), 'final stage WORKDIR is not /app');
    const env = finalStage.filter((l) => /^ENV\s/i.test(l)).join(' ');
    assert.match(env, /NODE_ENV=production/);
    assert.match(env, /L1G1_DATA_DIR=\/data/);
  });

  it('.dockerignore keeps host builds and state out of the context', () => {
    const ignored = readText('.dockerignore')
      .split('\n')
      .map((l) => l.trim().replace(/^\*\*\//, ''));
    for (const entry of ['node_modules', 'dist', '.l1g1', '.git', '*.tsbuildinfo']) {
      assert.ok(ignored.includes(entry), `.dockerignore lacks ${entry}`);
    }
  });
});

describe('infra: docker-compose.yml', () => {
  const [compose] = parseAll('docker-compose.yml');
  const services = obj(compose?.services, 'services');
  const service = (name: string): Obj => obj(services[name], `services.${name}`);
  const env = (name: string): Obj => obj(service(name).environment, `${name}.environment`);

  it('defines the L1G1 services and the tracing stack', () => {
    for (const name of [...L1G1_SERVICES, 'otel-collector', 'jaeger']) {
      assert.ok(isObj(services[name]), `service ${name} is missing`);
    }
  });

  it('runs every L1G1 service from one image, built once from infra/Dockerfile', () => {
    const images = new Set(L1G1_SERVICES.map((n) => str(service(n).image, `${n}.image`)));
    assert.deepEqual([...images], ['l1g1:dev']);
    const builders = L1G1_SERVICES.filter((n) => service(n).build !== undefined);
    assert.equal(builders.length, 1, `expected exactly one service to build the image, got ${builders.join(', ')}`);
    const build = obj(service(builders[0] ?? '').build, 'build');
    const dockerfile = path.join(repoRoot, str(build.context, 'build.context'), str(build.dockerfile, 'build.dockerfile'));
    assert.equal(dockerfile, path.join(repoRoot, 'infra', 'Dockerfile'));
  });

  it('runs each L1G1 service as node <workspace>/dist/main.js of a real workspace', () => {
    const workspaces = L1G1_SERVICES.map((n) => workspaceOfCommand(service(n).command, n));
    assert.deepEqual(workspaces, ['services/model-registry', 'services/inference', 'services/ingestion', 'gateway']);
    workspaces.forEach((ws, i) => assertRunnableWorkspace(ws, L1G1_SERVICES[i] ?? ''));
  });

  it('health-checks every L1G1 service on its own port', () => {
    const ports: Record<string, string> = {
      'model-registry': portOf(str(env('model-registry').L1G1_REGISTRY_LISTEN, 'L1G1_REGISTRY_LISTEN')),
      inference: portOf(str(env('inference').L1G1_INFERENCE_LISTEN, 'L1G1_INFERENCE_LISTEN')),
      ingestion: portOf(str(env('ingestion').L1G1_INGESTION_LISTEN, 'L1G1_INGESTION_LISTEN')),
      gateway: str(env('gateway').L1G1_GATEWAY_PORT, 'L1G1_GATEWAY_PORT'),
    };
    for (const name of L1G1_SERVICES) {
      const test = arr(obj(service(name).healthcheck, `${name}.healthcheck`).test, `${name}.healthcheck.test`);
      assert.ok(['CMD', 'CMD-SHELL'].includes(str(test[0], `${name} healthcheck kind`)), `${name}: healthcheck is not CMD`);
      assert.ok(test.join(' ').includes(`127.0.0.1:${ports[name]}`), `${name}: healthcheck does not probe port ${ports[name]}`);
    }
  });

  it('publishes the gateway port and the Jaeger UI', () => {
    const gatewayPort = str(env('gateway').L1G1_GATEWAY_PORT, 'L1G1_GATEWAY_PORT');
    const published = arr(service('gateway').ports, 'gateway.ports').map(String);
    assert.ok(published.some((p) => p.endsWith(`:${gatewayPort}`)), `gateway does not publish container port ${gatewayPort}`);
    const jaegerPorts = arr(service('jaeger').ports, 'jaeger.ports').map(String);
    assert.ok(jaegerPorts.some((p) => p.endsWith(':16686')), 'Jaeger UI 16686 is not published');
    assert.equal(String(env('jaeger').COLLECTOR_OTLP_ENABLED), 'true');
  });

  it('points every depends_on at a defined service, waiting for health where one exists', () => {
    for (const [name, def] of Object.entries(services)) {
      const dependsOn = obj(def, name).depends_on;
      if (dependsOn === undefined) continue;
      for (const [target, cond] of Object.entries(obj(dependsOn, `${name}.depends_on`))) {
        assert.ok(isObj(services[target]), `${name} depends on undefined service ${target}`);
        const condition = obj(cond, `${name}.depends_on.${target}`).condition;
        if (service(target).healthcheck !== undefined) {
          assert.equal(condition, 'service_healthy', `${name} should wait for ${target} to be healthy`);
        } else {
          assert.notEqual(condition, 'service_healthy', `${name} waits for health of ${target}, which has no healthcheck`);
        }
      }
    }
    assert.ok(isObj(obj(service('gateway').depends_on, 'gateway.depends_on').inference), 'gateway must wait for inference');
    assert.ok(isObj(obj(service('inference').depends_on, 'inference.depends_on')['model-registry']), 'inference must wait for the registry');
    assert.ok(isObj(obj(service('gateway').depends_on, 'gateway.depends_on').ingestion), 'gateway must wait for ingestion');
  });

  it('wires addresses, telemetry and data dir through env', () => {
    const names = new Set<string>();
    for (const name of L1G1_SERVICES) {
      const e = env(name);
      assert.equal(e.L1G1_DATA_DIR, '/data', `${name}: L1G1_DATA_DIR`);
      assert.match(String(e.L1G1_REGISTRY_LISTEN), /^0\.0\.0\.0:\d+$/, `${name}: L1G1_REGISTRY_LISTEN binds all interfaces`);
      assert.match(String(e.L1G1_INFERENCE_LISTEN), /^0\.0\.0\.0:\d+$/, `${name}: L1G1_INFERENCE_LISTEN binds all interfaces`);
      assert.equal(e.L1G1_HTTP_HOST, '0.0.0.0', `${name}: L1G1_HTTP_HOST`);
      assert.equal(e.L1G1_REGISTRY_ADDR, `model-registry:${portOf(String(e.L1G1_REGISTRY_LISTEN))}`, `${name}: L1G1_REGISTRY_ADDR`);
      assert.equal(e.L1G1_INFERENCE_ADDR, `inference:${portOf(String(e.L1G1_INFERENCE_LISTEN))}`, `${name}: L1G1_INFERENCE_ADDR`);
      assert.equal(e.L1G1_INGESTION_ADDR, `ingestion:${portOf(String(e.L1G1_INGESTION_LISTEN))}`, `${name}: L1G1_INGESTION_ADDR`);
      const otlp = new URL(str(e.OTEL_EXPORTER_OTLP_ENDPOINT, `${name}: OTEL_EXPORTER_OTLP_ENDPOINT`));
      assert.ok(isObj(services[otlp.hostname]), `${name}: OTLP endpoint host ${otlp.hostname} is not a compose service`);
      names.add(str(e.OTEL_SERVICE_NAME, `${name}: OTEL_SERVICE_NAME`));
    }
    assert.equal(names.size, L1G1_SERVICES.length, 'OTEL_SERVICE_NAME must differ per service');
  });

  it('keeps registry data in a declared named volume', () => {
    const declared = obj(compose?.volumes, 'volumes');
    const mounts = arr(service('model-registry').volumes, 'model-registry.volumes').map((v) => str(v, 'volume'));
    const dataMount = mounts.find((m) => m.split(':')[1] === '/data');
    assert.ok(dataMount, 'model-registry mounts nothing at /data');
    const source = dataMount.split(':')[0] ?? '';
    assert.ok(!source.startsWith('.') && !source.startsWith('/'), '/data should be a named volume, not a bind mount');
    assert.ok(source in declared, `volume ${source} is not declared`);
  });

  it('mounts a collector config whose pipeline is complete and exports to jaeger', () => {
    const mounts = arr(service('otel-collector').volumes, 'otel-collector.volumes').map((v) => str(v, 'volume'));
    const configMount = mounts.find((m) => m.startsWith('./infra/otel-collector.yaml:'));
    assert.ok(configMount, 'otel-collector does not mount ./infra/otel-collector.yaml');
    const cfg = parseAll('infra/otel-collector.yaml')[0] ?? {};
    assertCollectorConfig(cfg, 'infra/otel-collector.yaml');
    const exporters = obj(cfg.exporters, 'exporters');
    const endpoints = Object.values(exporters).map((e) => String(obj(e, 'exporter').endpoint));
    assert.ok(
      endpoints.some((ep) => ep.split(':')[0] === 'jaeger'),
      `no exporter sends to the jaeger service: ${endpoints.join(', ')}`,
    );
  });
});

/** OTLP receiver on gRPC and HTTP, a batch processor, and a traces pipeline naming only defined components. */
function assertCollectorConfig(cfg: Obj, where: string): void {
  const protocols = obj(obj(obj(cfg.receivers, `${where} receivers`).otlp, `${where} otlp`).protocols, `${where} protocols`);
  assert.ok('grpc' in protocols && 'http' in protocols, `${where}: OTLP receiver needs grpc and http`);
  const pipeline = obj(obj(obj(cfg.service, `${where} service`).pipelines, `${where} pipelines`).traces, `${where} traces`);
  for (const section of ['receivers', 'processors', 'exporters'] as const) {
    const defined = obj(cfg[section], `${where} ${section}`);
    const used = arr(pipeline[section], `${where} traces.${section}`);
    assert.ok(used.length > 0, `${where}: traces pipeline has no ${section}`);
    for (const id of used) assert.ok(str(id, section) in defined, `${where}: ${section} ${String(id)} is used but not defined`);
  }
  assert.ok(arr(pipeline.processors, 'processors').includes('batch'), `${where}: no batch processor`);
}

describe('infra: k8s manifests', () => {
  const yamlFiles = readdirSync(k8sDir).filter((f) => /\.ya?ml$/.test(f));
  const resourceFiles = yamlFiles.filter((f) => f !== 'kustomization.yaml');
  const docs = resourceFiles.flatMap((f) => parseAll(path.join('infra', 'k8s', f)).map((doc) => ({ file: f, doc })));
  const ofKind = (kind: string): Obj[] => docs.filter((d) => d.doc.kind === kind).map((d) => d.doc);
  const nameOf = (doc: Obj): string => str(obj(doc.metadata, 'metadata').name, 'metadata.name');
  const deployments = ofKind('Deployment');
  const podSpec = (dep: Obj): Obj => obj(obj(obj(dep.spec, 'spec').template, 'template').spec, `${nameOf(dep)} pod spec`);
  const podLabels = (dep: Obj): Obj =>
    obj(obj(obj(obj(dep.spec, 'spec').template, 'template').metadata, 'template.metadata').labels, `${nameOf(dep)} pod labels`);
  const containersOf = (dep: Obj): Obj[] =>
    arr(podSpec(dep).containers, `${nameOf(dep)} containers`).map((c, i) => obj(c, `${nameOf(dep)} container ${i}`));
  const deployment = (name: string): Obj => {
    const found = deployments.find((d) => nameOf(d) === name);
    assert.ok(found, `no Deployment named ${name}`);
    return found;
  };

  it('has the expected manifest files', () => {
    for (const f of ['namespace.yaml', 'configmap.yaml', 'model-registry.yaml', 'inference.yaml', 'ingestion.yaml', 'trainer.yaml', 'labeling.yaml', 'gateway.yaml', 'otel-collector.yaml']) {
      assert.ok(resourceFiles.includes(f), `infra/k8s/${f} is missing`);
    }
  });

  it('gives every document apiVersion, kind and metadata.name, in the l1g1 namespace', () => {
    assert.ok(docs.length > 0);
    for (const { file, doc } of docs) {
      assert.ok(typeof doc.apiVersion === 'string' && doc.apiVersion !== '', `${file}: a document lacks apiVersion`);
      assert.ok(typeof doc.kind === 'string' && doc.kind !== '', `${file}: a document lacks kind`);
      const meta = obj(doc.metadata, `${file} ${String(doc.kind)} metadata`);
      assert.ok(typeof meta.name === 'string' && meta.name !== '', `${file}: ${String(doc.kind)} lacks metadata.name`);
      if (doc.kind !== 'Namespace') assert.equal(meta.namespace, 'l1g1', `${file}: ${meta.name} is not in namespace l1g1`);
      const labels = obj(meta.labels, `${file}: ${meta.name} labels`);
      assert.ok(typeof labels['app.kubernetes.io/name'] === 'string', `${file}: ${meta.name} lacks app.kubernetes.io/name`);
      assert.equal(labels['app.kubernetes.io/part-of'], 'l1g1', `${file}: ${meta.name} lacks part-of: l1g1`);
    }
  });

  it('defines the seven workload Deployments', () => {
    assert.deepEqual(deployments.map(nameOf).sort(), ['gateway', 'inference', 'ingestion', 'labeling', 'model-registry', 'otel-collector', 'trainer']);
  });

  it('labels pods and selects them consistently', () => {
    for (const dep of deployments) {
      const labels = podLabels(dep);
      assert.equal(labels['app.kubernetes.io/part-of'], 'l1g1', `${nameOf(dep)}: pod lacks part-of: l1g1`);
      assert.ok(typeof labels['app.kubernetes.io/name'] === 'string', `${nameOf(dep)}: pod lacks app.kubernetes.io/name`);
      const matchLabels = obj(obj(obj(dep.spec, 'spec').selector, 'selector').matchLabels, `${nameOf(dep)} matchLabels`);
      assert.ok(selectorMatches(matchLabels, labels), `${nameOf(dep)}: selector does not match its own pod labels`);
    }
  });

  it('runs every pod as non-root uid 1000 without privilege escalation', () => {
    for (const dep of deployments) {
      const podSec = obj(podSpec(dep).securityContext, `${nameOf(dep)} pod securityContext`);
      assert.equal(podSec.runAsNonRoot, true, `${nameOf(dep)}: runAsNonRoot`);
      assert.equal(podSec.runAsUser, 1000, `${nameOf(dep)}: runAsUser`);
      for (const c of containersOf(dep)) {
        const sec = obj(c.securityContext, `${nameOf(dep)}/${String(c.name)} securityContext`);
        assert.equal(sec.allowPrivilegeEscalation, false, `${nameOf(dep)}/${String(c.name)}: allowPrivilegeEscalation`);
        assert.equal(sec.readOnlyRootFilesystem, true, `${nameOf(dep)}/${String(c.name)}: readOnlyRootFilesystem`);
      }
    }
  });

  it('gives every container an image, cpu/memory requests and limits, and probes on a declared port', () => {
    for (const dep of deployments) {
      for (const c of containersOf(dep)) {
        const where = `${nameOf(dep)}/${String(c.name)}`;
        assert.ok(typeof c.image === 'string' && c.image !== '', `${where}: no image`);
        const resources = obj(c.resources, `${where} resources`);
        for (const kind of ['requests', 'limits'] as const) {
          const r = obj(resources[kind], `${where} resources.${kind}`);
          assert.ok(r.cpu !== undefined && r.memory !== undefined, `${where}: resources.${kind} needs cpu and memory`);
        }
        const ports = arr(c.ports, `${where} ports`).map((p) => obj(p, `${where} port`));
        const known = new Set<unknown>(ports.flatMap((p) => [p.name, p.containerPort]));
        for (const probeKind of ['readinessProbe', 'livenessProbe'] as const) {
          const probe = obj(c[probeKind], `${where} ${probeKind}`);
          const handler = probe.grpc ?? probe.httpGet ?? probe.tcpSocket;
          const port = obj(handler, `${where} ${probeKind} handler`).port;
          assert.ok(known.has(port), `${where}: ${probeKind} probes port ${String(port)}, which the container does not declare`);
        }
      }
    }
  });

  it('runs L1G1 Deployments from the shared image as node <workspace>/dist/main.js', () => {
    for (const name of L1G1_SERVICES) {
      const [c] = containersOf(deployment(name));
      assert.ok(c, `${name}: no container`);
      assert.match(str(c.image, `${name} image`), /^l1g1(:|$)/, `${name}: not the shared l1g1 image`);
      assertRunnableWorkspace(workspaceOfCommand(c.command, name), name);
    }
  });

  it('probes gRPC services natively and the gateway over HTTP', () => {
    for (const name of ['model-registry', 'inference', 'ingestion']) {
      const [c] = containersOf(deployment(name));
      assert.ok(isObj(obj(c?.readinessProbe, `${name} readiness`).grpc), `${name}: readiness is not a grpc probe`);
      assert.ok(isObj(obj(c?.livenessProbe, `${name} liveness`).grpc), `${name}: liveness is not a grpc probe`);
    }
    const [gw] = containersOf(deployment('gateway'));
    assert.equal(obj(obj(gw?.livenessProbe, 'liveness').httpGet, 'liveness.httpGet').path, '/healthz');
    assert.equal(obj(obj(gw?.readinessProbe, 'readiness').httpGet, 'readiness.httpGet').path, '/readyz');
  });

  it('gives inference 4 replicas with one GPU each', () => {
    const dep = deployment('inference');
    assert.equal(obj(dep.spec, 'spec').replicas, 4);
    const [c] = containersOf(dep);
    const limits = obj(obj(c?.resources, 'resources').limits, 'limits');
    assert.equal(Number(limits['nvidia.com/gpu']), 1, 'inference lacks an nvidia.com/gpu: 1 limit');
  });

  it('autoscales the inference Deployment on CPU with an autoscaling/v2 HPA', () => {
    const hpas = docs.filter((d) => d.doc.kind === 'HorizontalPodAutoscaler').map((d) => d.doc);
    const hpa = hpas.find((h) => obj(obj(h.spec, 'spec').scaleTargetRef, 'scaleTargetRef').name === 'inference');
    assert.ok(hpa, 'no HPA targets the inference Deployment');
    assert.equal(hpa.apiVersion, 'autoscaling/v2');
    const spec = obj(hpa.spec, 'hpa spec');
    const target = obj(spec.scaleTargetRef, 'scaleTargetRef');
    assert.equal(target.kind, 'Deployment');
    deployment(str(target.name, 'scaleTargetRef.name'));
    assert.ok(Number(spec.minReplicas) <= Number(spec.maxReplicas), 'minReplicas > maxReplicas');
    const metrics = arr(spec.metrics, 'metrics').map((m) => obj(m, 'metric'));
    assert.ok(
      metrics.some((m) => m.type === 'Resource' && obj(m.resource, 'metric.resource').name === 'cpu'),
      'HPA does not scale on CPU',
    );
  });

  it('selects a Deployment from every Service, on a port its pods declare', () => {
    const services = ofKind('Service');
    assert.ok(services.length >= L1G1_SERVICES.length);
    for (const svc of services) {
      const spec = obj(svc.spec, `${nameOf(svc)} spec`);
      const selector = obj(spec.selector, `${nameOf(svc)} selector`);
      const target = deployments.find((d) => selectorMatches(selector, podLabels(d)));
      assert.ok(target, `Service ${nameOf(svc)} selects no Deployment's pods`);
      const declared = new Set<unknown>(
        containersOf(target).flatMap((c) => arr(c.ports, 'ports').flatMap((p) => [obj(p, 'port').name, obj(p, 'port').containerPort])),
      );
      for (const p of arr(spec.ports, `${nameOf(svc)} ports`).map((x) => obj(x, 'service port'))) {
        const targetPort = p.targetPort ?? p.port;
        assert.ok(declared.has(targetPort), `Service ${nameOf(svc)}: targetPort ${String(targetPort)} is not declared by ${nameOf(target)}`);
      }
    }
  });

  it('refers only to ConfigMaps and PVCs that are defined', () => {
    const configMaps = new Set(ofKind('ConfigMap').map(nameOf));
    const claims = new Set(ofKind('PersistentVolumeClaim').map(nameOf));
    for (const dep of deployments) {
      for (const v of arr(podSpec(dep).volumes ?? [], 'volumes').map((x) => obj(x, 'volume'))) {
        if (isObj(v.configMap)) assert.ok(configMaps.has(str(v.configMap.name, 'configMap.name')), `${nameOf(dep)}: unknown ConfigMap`);
        if (isObj(v.persistentVolumeClaim)) {
          assert.ok(claims.has(str(v.persistentVolumeClaim.claimName, 'claimName')), `${nameOf(dep)}: unknown PVC`);
        }
      }
      for (const c of containersOf(dep)) {
        for (const from of arr(c.envFrom ?? [], 'envFrom').map((x) => obj(x, 'envFrom'))) {
          if (isObj(from.configMapRef)) {
            assert.ok(configMaps.has(str(from.configMapRef.name, 'configMapRef.name')), `${nameOf(dep)}: unknown ConfigMap in envFrom`);
          }
        }
      }
    }
    const registry = podSpec(deployment('model-registry'));
    const registryVolumes = arr(registry.volumes, 'model-registry volumes').map((x) => obj(x, 'volume'));
    assert.ok(registryVolumes.some((v) => isObj(v.persistentVolumeClaim)), 'model-registry data is not on a PVC');
  });

  it('points the shared config at Services that exist, on their ports', () => {
    const cm = ofKind('ConfigMap').find((c) => nameOf(c) === 'l1g1-config');
    assert.ok(cm, 'no l1g1-config ConfigMap');
    const data = obj(cm.data, 'l1g1-config data');
    const services = new Map(
      ofKind('Service').map((s) => [nameOf(s), arr(obj(s.spec, 'spec').ports, 'ports').map((p) => String(obj(p, 'port').port))]),
    );
    for (const key of ['L1G1_REGISTRY_ADDR', 'L1G1_INFERENCE_ADDR', 'L1G1_INGESTION_ADDR']) {
      const [host = '', port = ''] = str(data[key], key).split(':');
      assert.ok(services.get(host)?.includes(port), `${key}=${String(data[key])} is not a Service host:port`);
    }
    const otlp = new URL(str(data.OTEL_EXPORTER_OTLP_ENDPOINT, 'OTEL_EXPORTER_OTLP_ENDPOINT'));
    assert.ok(services.get(otlp.hostname)?.includes(otlp.port), `OTLP endpoint ${otlp.href} is not a Service host:port`);
  });

  it('ships a complete collector pipeline in the k8s ConfigMap', () => {
    const cm = ofKind('ConfigMap').find((c) => nameOf(c) === 'otel-collector-config');
    assert.ok(cm, 'no otel-collector-config ConfigMap');
    const cfg = obj(YAML.parse(str(obj(cm.data, 'data')['config.yaml'], 'config.yaml')), 'collector config');
    assertCollectorConfig(cfg, 'k8s otel-collector-config');
  });

  it('lists exactly the manifest files present in kustomization.yaml', () => {
    assert.ok(yamlFiles.includes('kustomization.yaml'), 'infra/k8s/kustomization.yaml is missing');
    const [kustomization] = parseAll('infra/k8s/kustomization.yaml');
    const resources = arr(kustomization?.resources, 'kustomization resources').map((r) => str(r, 'resource'));
    assert.equal(new Set(resources).size, resources.length, 'kustomization lists a file twice');
    assert.deepEqual([...resources].sort(), [...resourceFiles].sort());
  });
});
