/**
 * `npm start`: runs every built service as its own process on 127.0.0.1,
 * sharing one data directory, supervises them, registers the demo model and
 * prints where everything listens. Ctrl-C stops it all.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { credentials, Metadata } from '@grpc/grpc-js';
import { health } from '@l1g1/contracts';
import { ConfigError, envDatabaseUrl, envInt, envOptionalString, envString, freePort, loadInternalSecret, servicePrincipal } from '@l1g1/kit';
import { ensureDemoModel } from './demo-model';
import { ensureFirstAdminKey } from './first-admin-key';
import { supervise, type SupervisedService } from './supervisor';

const root = resolve(__dirname, '..', '..', '..');

function portFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const srv = createServer();
    srv.once('error', () => done(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => done(true)));
  });
}

/** The preferred port, or (when taken) a free one chosen by the OS. */
async function pickPort(preferred: number): Promise<number> {
  if (preferred !== 0 && (await portFree(preferred))) return preferred;
  return freePort();
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not become healthy within ${timeoutMs / 1000} s`);
}

function grpcServing(address: string): Promise<boolean> {
  const client = new health.HealthClient(address, credentials.createInsecure());
  return new Promise((done) => {
    client.check({ service: '' }, new Metadata(), { deadline: Date.now() + 1000 }, (err, res) => {
      client.close();
      done(!err && res.status === health.HealthCheckResponse_ServingStatus.SERVING);
    });
  });
}

async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
  return res.ok;
}

const running: { svc: SupervisedService; address: string }[] = [];
let shuttingDown = false;

async function shutdown(code: number): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  console.log('\nstopping L1G1 ...');
  // Front door first, storage last.
  for (const { svc } of [...running].reverse()) await svc.stop();
  console.log('stopped.');
  process.exit(code);
}

async function main(): Promise<void> {
  const env = process.env;
  const dataDir = resolve(envString(env, 'L1G1_DATA_DIR', './.l1g1'));
  const logDir = join(dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const ports = {
    registry: await pickPort(envInt(env, 'L1G1_REGISTRY_PORT', 50051, { min: 0, max: 65535 })),
    inference: await pickPort(envInt(env, 'L1G1_INFERENCE_PORT', 50052, { min: 0, max: 65535 })),
    ingestion: await pickPort(envInt(env, 'L1G1_INGESTION_PORT', 50053, { min: 0, max: 65535 })),
    trainer: await pickPort(envInt(env, 'L1G1_TRAINER_PORT', 50054, { min: 0, max: 65535 })),
    labeling: await pickPort(envInt(env, 'L1G1_LABELING_PORT', 50056, { min: 0, max: 65535 })),
    gateway: await pickPort(envInt(env, 'L1G1_GATEWAY_PORT', 8080, { min: 0, max: 65535 })),
    inferenceMetrics: await pickPort(envInt(env, 'L1G1_INFERENCE_METRICS_PORT', 9102, { min: 0, max: 65535 })),
  };
  // One internal secret for every process (they sign and check forwarded
  // identities with it), kept in the data directory across restarts.
  const internalSecret = loadInternalSecret(envOptionalString(env, 'L1G1_INTERNAL_SECRET'), dataDir);
  const firstAdminKey = await ensureFirstAdminKey(dataDir, envDatabaseUrl(env, 'L1G1_DATABASE_URL'));
  const registryAddr = `127.0.0.1:${ports.registry}`;
  const inferenceAddr = `127.0.0.1:${ports.inference}`;
  const ingestionAddr = `127.0.0.1:${ports.ingestion}`;
  const trainerAddr = `127.0.0.1:${ports.trainer}`;
  const labelingAddr = `127.0.0.1:${ports.labeling}`;
  const shared = {
    L1G1_DATA_DIR: dataDir,
    L1G1_REGISTRY_ADDR: registryAddr,
    L1G1_INFERENCE_ADDR: inferenceAddr,
    L1G1_INGESTION_ADDR: ingestionAddr,
    L1G1_TRAINER_ADDR: trainerAddr,
    L1G1_LABELING_ADDR: labelingAddr,
    L1G1_GATEWAY_PORT: String(ports.gateway),
    L1G1_HTTP_HOST: '127.0.0.1',
    L1G1_INTERNAL_SECRET: internalSecret,
  };
  // Tensor-sized requests churn the young generation of the two hot-path
  // processes: a larger one cuts GC time (+14-15% req/s, BENCHMARKS.md).
  const hotPathNode = { NODE_OPTIONS: `${env['NODE_OPTIONS'] ?? ''} --max-semi-space-size=64`.trim() };
  const plan = [
    { name: 'model-registry', script: 'services/model-registry/dist/main.js', ready: () => grpcServing(registryAddr), address: registryAddr },
    {
      name: 'inference',
      script: 'services/inference/dist/main.js',
      ready: () => grpcServing(inferenceAddr),
      address: inferenceAddr,
      env: { ...hotPathNode, L1G1_INFERENCE_METRICS_PORT: String(ports.inferenceMetrics) },
    },
    // Before the gateway, which dials it; it dials inference (confidence filter) lazily.
    { name: 'ingestion', script: 'services/ingestion/dist/main.js', ready: () => grpcServing(ingestionAddr), address: ingestionAddr },
    // Reads snapshots from ingestion and registers into the registry, both dialled per job.
    { name: 'trainer', script: 'services/trainer/dist/main.js', ready: () => grpcServing(trainerAddr), address: trainerAddr },
    // Reads snapshots from ingestion when tasks are imported.
    { name: 'labeling', script: 'services/labeling/dist/main.js', ready: () => grpcServing(labelingAddr), address: labelingAddr },
    {
      name: 'gateway',
      script: 'gateway/dist/main.js',
      ready: () => httpOk(`http://127.0.0.1:${ports.gateway}/healthz`),
      address: `http://127.0.0.1:${ports.gateway}`,
      env: hotPathNode,
    },
  ];

  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  for (const step of plan) {
    const script = join(root, step.script);
    if (!existsSync(script)) {
      console.log(`- ${step.name}: not built, skipped`);
      continue;
    }
    const svc = supervise(
      { name: step.name, script, env: { ...shared, OTEL_SERVICE_NAME: step.name, ...('env' in step ? step.env : {}) }, logFile: join(logDir, `${step.name}.log`) },
      {
        onStart: (name, pid, restarts) => {
          if (restarts > 0) console.log(`↻ ${name} restarted (pid ${pid}, restart #${restarts})`);
        },
        onExit: (name, code, signal, inMs) => {
          if (!shuttingDown) console.error(`✗ ${name} exited (${signal ?? `code ${code}`}); restarting in ${inMs} ms — see ${join(logDir, `${name}.log`)}`);
        },
      },
    );
    running.push({ svc, address: step.address });
    await waitFor(step.name, step.ready, 60_000);
  }

  let demo = '';
  if (running.some((r) => r.svc.spec.name === 'model-registry')) {
    const v = await ensureDemoModel(registryAddr, { principal: servicePrincipal('launcher', ['write']), internalSecret });
    demo = `demo model: "demo" version ${v.version} (alias production; fp32, fp16, int8)`;
  }

  const gw = `http://127.0.0.1:${ports.gateway}`;
  console.log('\nL1G1 is up.\n');
  for (const { svc, address } of running) console.log(`  ${svc.spec.name.padEnd(15)} ${address.padEnd(28)} pid ${svc.pid}`);
  console.log(`\n  data directory  ${dataDir}\n  logs            ${logDir}`);
  if (demo) console.log(`  ${demo}`);
  console.log(`\nGateway: ${gw}   (OpenAPI: ${gw}/openapi.json, metrics: ${gw}/metrics)`);
  // The page is the gateway's; it needs the labeling service, and a key (an annotator's: scope "annotate").
  if (running.some(({ svc }) => svc.spec.name === 'labeling')) console.log(`Annotation page: ${gw}/label   (sign in with an API key; annotators need scope "annotate")`);
  console.log(`Inference metrics: http://127.0.0.1:${ports.inferenceMetrics}/metrics\n\nTry:\n`);
  console.log(
    `  curl -s ${gw}/v1/models/demo:predict -H 'content-type: application/json' \\\n` +
      `    -d '{"inputs":[{"name":"features","datatype":"FP32","shape":[1,4],"data":[5.1,3.5,1.4,0.2]}]}'\n`,
  );
  console.log(`  curl -s ${gw}/v2/models/demo\n  curl -N ${gw}/v1/events/aliases\n`);
  if (firstAdminKey) {
    // Printed once: only its hash is stored, so it cannot be shown again.
    console.log(
      `Admin API key (shown only now; store it somewhere safe):\n\n  export L1G1_KEY=${firstAdminKey}\n\n` +
        `Writes need it (reads and predicts on 127.0.0.1 do not):\n` +
        `  curl -s ${gw}/v1/keys -H "authorization: Bearer $L1G1_KEY" -H 'content-type: application/json' \\\n` +
        `    -d '{"name":"ci","scopes":["predict"]}'      # more keys: read, predict, annotate, write, admin\n`,
    );
  } else {
    console.log(`API keys: the admin key was printed on first start; create more with POST ${gw}/v1/keys (admin scope).\n`);
  }
  console.log('Ctrl-C stops everything.');
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : `L1G1 failed to start: ${err instanceof Error ? err.message : String(err)}`);
  // Never leave half a suite running.
  void shutdown(1);
});
