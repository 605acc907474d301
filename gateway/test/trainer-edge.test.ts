import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainer } from '@l1g1/contracts';
import { createSilentLogger, createSqliteKeyStore, issueApiKey, L1g1Error } from '@l1g1/kit';
import { loadGatewayConfig, startGateway, type RunningGateway } from '@l1g1/gateway';
import { parseMessage, printMessage } from '../src/routes/trainer/spec-codec';
import { TRAINING_SPEC } from '../src/routes/trainer/spec-schema';
import { http } from '../../test/support/stack';

/** A spec using every kind of field the table has (enum, oneof, optional, list of enums, map, nested message). */
const FULL_SPEC = {
  architecture: { text_classifier: { features: 'hashed_ngrams', vocab_size: 4096, word_ngram_max: 2, char_ngram_min: 3, char_ngram_max: 5, lowercase: false, hidden_units: [64, 32], dropout: 0.1 }, class_names: ['ham', 'spam'] },
  data: { dataset: { name: 'mail', snapshot: 3 }, label_field: 'label', validation_fraction: 0.2 },
  config: {
    epochs: 3,
    batch_size: 16,
    optimizer: { kind: 'adamw', learning_rate: 0.001, beta1: 0.9, beta2: 0.98, weight_decay: 0.01 },
    schedule: { kind: 'cosine', warmup_steps: 10, min_learning_rate: 0 },
    seed: 7,
    checkpoint_every_steps: 5,
    early_stopping: { metric: 'val_macro_f1', mode: 'max', patience: 2 },
    max_steps: 100,
  },
  base_model: { name: 'base', alias: 'production' },
  lora: { rank: 4, alpha: 8, target_layers: ['dense_1'] },
  register_as: { model_name: 'spam-clf', tags: { Team: 'Mail' }, variants: ['fp16', 'int8'], alias: 'staging' },
};

describe('gateway: trainer routes at the edge (no trainer behind: nothing here may reach it)', function () {
  this.timeout(60_000);
  let dir: string;
  let gw: RunningGateway;
  let admin: Record<string, string>;
  let reader: Record<string, string>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'l1g1-trainer-edge-'));
    mkdirSync(join(dir, 'auth'), { recursive: true });
    const keys = createSqliteKeyStore(join(dir, 'auth', 'keys.db'));
    admin = { authorization: `Bearer ${(await issueApiKey(keys, { name: 'admin', scopes: ['admin'] })).plaintext}` };
    reader = { authorization: `Bearer ${(await issueApiKey(keys, { name: 'reader', scopes: ['read'] })).plaintext}` };
    keys.close();
    // Port 9 (discard): any call that got through would come back 503, not the 400 asserted below.
    gw = await startGateway(loadGatewayConfig({ L1G1_DATA_DIR: dir, L1G1_GATEWAY_PORT: '0', L1G1_TRAINER_ADDR: '127.0.0.1:9', L1G1_INTERNAL_SECRET: 'trainer-edge-secret' }), { logger: createSilentLogger() });
  });

  after(async () => {
    await gw?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the /v1 spec parses into the proto and prints back unchanged (snake_case, lowercase enums, oneofs, map keys untouched)', () => {
    const proto = trainer.TrainingSpec.fromPartial(parseMessage(TRAINING_SPEC, FULL_SPEC, 'spec') as unknown as trainer.TrainingSpec);
    assert.equal(proto.config?.optimizer?.kind, trainer.OptimizerKind.OPTIMIZER_KIND_ADAMW);
    assert.equal(proto.config?.batchSize, 16);
    assert.deepEqual(proto.architecture?.architecture?.$case, 'textClassifier');
    assert.deepEqual(proto.baseModel?.selector, { $case: 'alias', value: 'production' });
    assert.deepEqual(proto.registerAs?.variants, [2, 3]);
    // Proto defaults fill in what was not given (proto3 `optional` stays unset).
    assert.equal(proto.data?.trainSplit, '');
    assert.equal(proto.lora?.mergeOnExport, undefined);
    const printed = printMessage(TRAINING_SPEC, proto as unknown as Record<string, unknown>) as Record<string, Record<string, unknown>>;
    // The printer writes every non-optional field; compare only what the request gave.
    const pick = (given: unknown, got: unknown): unknown =>
      given !== null && typeof given === 'object' && !Array.isArray(given) ? Object.fromEntries(Object.keys(given).map((k) => [k, pick((given as Record<string, unknown>)[k], (got as Record<string, unknown> | undefined)?.[k])])) : got;
    assert.deepEqual(pick(FULL_SPEC, printed), FULL_SPEC);
    assert.equal(printed['data']!['train_split'], '');
    assert.equal('merge_on_export' in printed['lora']!, false);
  });

  it('a GRU language model spec parses into the proto (language_model, lowercase level)', () => {
    const spec = { architecture: { gru: { hidden_size: 64, max_steps: 32, language_model: { level: 'word', max_vocab: 5000, embedding_dim: 16 } } } };
    const proto = trainer.TrainingSpec.fromPartial(parseMessage(TRAINING_SPEC, spec, 'spec') as unknown as trainer.TrainingSpec);
    const arch = proto.architecture?.architecture;
    assert.equal(arch?.$case, 'gru');
    assert.deepEqual(arch?.$case === 'gru' ? arch.value.languageModel : undefined, { level: trainer.TokenLevel.TOKEN_LEVEL_WORD, maxVocab: 5000, embeddingDim: 16 });
  });

  it('bad specs and parameters are a 400 naming the field, decided before the trainer is called', async () => {
    const base = { architecture: { text_classifier: {} }, data: { dataset: { name: 'mail' } }, config: { epochs: 1 } };
    const withConfig = (config: Record<string, unknown>) => ({ spec: { ...base, config: { epochs: 1, ...config } } });
    const bodies: [unknown, string][] = [
      [{}, 'spec'],
      [{ spec: base, colour: 'red' }, 'colour'],
      [withConfig({ optimizer: { kind: 'lion' } }), 'spec.config.optimizer.kind'],
      [withConfig({ optimizer: { kind: 'ADAMW' } }), 'spec.config.optimizer.kind'],
      [withConfig({ batch_size: 0 }), 'spec.config.batch_size'],
      [withConfig({ batch_size: 2.5 }), 'spec.config.batch_size'],
      [withConfig({ epochs: 0 }), 'spec.config.epochs'],
      [withConfig({ epochs: '3' }), 'spec.config.epochs'],
      [withConfig({ seed: 2 ** 60 }), 'spec.config.seed'],
      [withConfig({ optimizer: { learning_rate: 0 } }), 'spec.config.optimizer.learning_rate'],
      [withConfig({ optimizer: { learning_rat: 0.1 } }), 'spec.config.optimizer.learning_rat'],
      [withConfig({ schedule: { kind: 'cosine', warmup_steps: -1 } }), 'spec.config.schedule.warmup_steps'],
      [{ spec: { ...base, architecture: { mlp: { input_dim: 4 }, cnn: {} } } }, 'spec.architecture.cnn'],
      [{ spec: { ...base, architecture: { cnn: { conv_layers: [{ filters: 8 }, { filters: 'many' }] } } } }, 'spec.architecture.cnn.conv_layers[1].filters'],
      [{ spec: { ...base, architecture: { text_classifier: { dropout: 1.5 } } } }, 'spec.architecture.text_classifier.dropout'],
      [{ spec: { ...base, architecture: { gru: { language_model: { level: 'byte' } } } } }, 'spec.architecture.gru.language_model.level'],
      [{ spec: { ...base, data: { dataset: 'mail@3' } } }, 'spec.data.dataset'],
      [{ spec: { ...base, register_as: { model_name: 'm', variants: ['fp64'] } } }, 'spec.register_as.variants[0]'],
      [{ spec: { ...base, register_as: { model_name: 'm', tags: { team: 7 } } } }, 'spec.register_as.tags.team'],
      [{ spec: base, tags: ['a'] }, 'tags'],
      [{ spec: base, idempotency_key: 'k'.repeat(300) }, 'idempotency_key'],
    ];
    const failures: string[] = [];
    for (const [json, field] of bodies) {
      const res = await http(`${gw.url}/v1/training/jobs`, { method: 'POST', headers: admin, json });
      if (res.status !== 400 || res.body?.error?.field !== field || !String(res.body.error.message).includes(field)) failures.push(`POST ${JSON.stringify(json).slice(0, 120)}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    const others: [string, string, unknown, string, Record<string, string>?][] = [
      ['GET', '/v1/training/jobs?state=done', undefined, 'state'],
      ['GET', '/v1/training/jobs?page_size=x', undefined, 'page_size'],
      ['GET', '/v1/training/jobs?dataset=Bad%20Name', undefined, 'dataset'],
      ['GET', '/v1/training/jobs/bad%20id', undefined, 'job_id'],
      ['GET', '/v1/training/jobs/j1/checkpoints?page_size=-1', undefined, 'page_size'],
      ['GET', '/v1/training/jobs/j1/events?after_sequence=abc', undefined, 'after_sequence'],
      ['GET', '/v1/training/jobs/j1/events', undefined, 'Last-Event-ID', { 'last-event-id': '9007199254740993' }],
      ['POST', '/v1/training/jobs/j1:resume', { epochs: 0 }, 'epochs'],
      ['POST', '/v1/training/jobs/j1:resume', { checkpoint_id: '../x' }, 'checkpoint_id'],
      ['POST', '/v1/training/jobs/j1:export', { precision: 'fp64' }, 'precision'],
      ['POST', '/v1/training/jobs/j1:export', { opset: 0 }, 'opset'],
      ['POST', '/v1/training/jobs/j1:export', { register: 'yes' }, 'register'],
      ['POST', '/v1/training/jobs/j1:cancel', { force: true }, 'force'],
      ['POST', '/v1/training/jobs/j1:cancel', [1], 'body'],
    ];
    for (const [method, path, json, field, headers] of others) {
      const res = await http(`${gw.url}${path}`, { method, headers: { ...admin, ...headers }, ...(json !== undefined ? { json } : {}) });
      if (res.status !== 400 || res.body?.error?.field !== field) failures.push(`${method} ${path} ${JSON.stringify(json)}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    assert.deepEqual(failures, []);
    // None of them reached the (absent) trainer, so its breaker saw nothing.
    assert.equal((await http(`${gw.url}/readyz`)).body.breakers.trainer, 'closed');
  });

  it('scopes: a read key cannot create, cancel, resume or export (403 before the body is read)', async () => {
    for (const path of ['/v1/training/jobs', '/v1/training/jobs/j1:cancel', '/v1/training/jobs/j1:resume', '/v1/training/jobs/j1:export']) {
      const res = await http(`${gw.url}${path}`, { method: 'POST', headers: reader, json: { spec: {} } });
      assert.equal(res.status, 403, `${path}: ${res.status} ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.reason, 'MISSING_SCOPE');
    }
    const anonymous = await http(`${gw.url}/v1/training/jobs`, { method: 'POST', json: { spec: {} } });
    assert.equal(anonymous.status, 401);
  });

  it('a trainer that is down is a 503 with Retry-After and a message free of addresses', async () => {
    const res = await http(`${gw.url}/v1/training/jobs/j1`, { headers: admin });
    assert.equal(res.status, 503, JSON.stringify(res.body));
    assert.ok(Number(res.headers.get('retry-after')) >= 1);
    assert.doesNotMatch(JSON.stringify(res.body), /127\.0\.0\.1|:9\b|ECONNREFUSED/);
    // A read key gets past auth on GET (the 503 is the trainer's absence, not a 403).
    for (const path of ['/v1/training/jobs', '/v1/training/jobs/j1/checkpoints', '/v1/training/jobs/j1/events']) {
      const read = await http(`${gw.url}${path}`, { headers: reader });
      assert.equal(read.status, 503, `${path}: ${read.status} ${JSON.stringify(read.body)}`);
    }
  });

  it('every trainer route is in /openapi.json, and the spec schema is closed to unknown fields', async () => {
    const doc = (await http(`${gw.url}/openapi.json`)).body as { paths: Record<string, unknown>; components: { schemas: Record<string, { additionalProperties?: unknown; properties?: Record<string, unknown> }> } };
    for (const path of ['/v1/training/jobs', '/v1/training/jobs/{job_id}', '/v1/training/jobs/{job_id}:cancel', '/v1/training/jobs/{job_id}:resume', '/v1/training/jobs/{job_id}:export', '/v1/training/jobs/{job_id}/checkpoints', '/v1/training/jobs/{job_id}/events']) {
      assert.ok(doc.paths[path], path);
    }
    const spec = doc.components.schemas['TrainingSpec']!;
    assert.equal(spec.additionalProperties, false);
    assert.deepEqual(Object.keys(spec.properties!).sort(), Object.keys(TRAINING_SPEC.fields).sort());
    assert.deepEqual((doc.components.schemas['OptimizerConfig']!.properties!['kind'] as { enum: string[] }).enum, ['adamw', 'adam', 'sgd']);
  });

  it('parse errors are L1g1Errors of kind INVALID_ARGUMENT (never a 5xx path)', () => {
    assert.throws(() => parseMessage(TRAINING_SPEC, { config: { epochs: Number.NaN } }, 'spec'), (e: unknown) => e instanceof L1g1Error && e.kind === 'INVALID_ARGUMENT' && e.field === 'spec.config.epochs');
  });
});
