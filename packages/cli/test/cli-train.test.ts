import { strict as assert } from 'node:assert';
import { Writable } from 'node:stream';
import { trainRequestBody } from '../src/commands/train-command';
import { UsageError } from '../src/cli-config';
import { runCli } from '../src/run-cli';
import { readSse } from '../src/sse-reader';
import { trainingLine } from '../src/training-progress';
import { terminalStateOf } from '../src/watch-job';

async function* chunks(parts: string[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield new TextEncoder().encode(p);
}

function sink(): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const w = new Writable({
    write(c: Buffer, _e, done) {
      text += c.toString();
      done();
    },
  });
  return { stream: w as unknown as NodeJS.WriteStream, text: () => text };
}

describe('l1g1 CLI: train and jobs (no server)', () => {
  it('reads SSE split at any byte, with CRLF, comments, retry lines and multi-line data', async () => {
    const wire = 'retry: 2000\r\n: watching\r\n\r\nid: 1\r\nevent: step\r\ndata: {"step":1}\r\n\r\n: heartbeat 5\n\nid: 2\nevent: status\ndata: {"a":\ndata: 2}\n\n';
    for (const size of [1, 3, 7, wire.length]) {
      const parts: string[] = [];
      for (let i = 0; i < wire.length; i += size) parts.push(wire.slice(i, i + size));
      const events = [];
      for await (const e of readSse(chunks(parts))) events.push(e);
      assert.deepEqual(events, [
        { id: '1', event: 'step', data: '{"step":1}' },
        { id: '2', event: 'status', data: '{"a":\n2}' },
      ], `chunk size ${size}`);
    }
  });

  it('maps the flags to the /v1 body: dataset@version, architecture, config, optimizer, register_as', () => {
    const body = trainRequestBody({ dataset: 'mail@3', 'model-name': 'spam', arch: 'text_classifier', epochs: '2', 'batch-size': '16', optimizer: 'adamw', lr: '5e-5', variants: 'fp16,int8', watch: true });
    assert.deepEqual(body, {
      spec: {
        architecture: { text_classifier: {} },
        data: { dataset: { name: 'mail', snapshot: 3 } },
        config: { epochs: 2, batch_size: 16, optimizer: { kind: 'adamw', learning_rate: 5e-5 }, schedule: { warmup_steps: 20, min_learning_rate: 0.0005 } },
        register_as: { model_name: 'spam', variants: ['fp16', 'int8'] },
      },
    });
    // The default architecture takes the text classifier's shorthands (REST snake_case fields of TextClassifierSpec).
    assert.deepEqual((trainRequestBody({ dataset: 'mail', epochs: '1', 'vocab-size': '65536', ngrams: '2' })['spec'] as { architecture: unknown }).architecture, {
      text_classifier: { vocab_size: 65536, word_ngram_max: 2 },
    });
    // Without @VERSION the snapshot is 0: the trainer pins the latest at creation.
    assert.deepEqual((trainRequestBody({ dataset: 'mail', epochs: '1' })['spec'] as { data: unknown }).data, { dataset: { name: 'mail', snapshot: 0 } });
  });

  it('a text classifier without --epochs/--lr gets the tuned recipe (2 epochs, AdamW 0.02, 20 warmup steps); other models do not', () => {
    const config = (values: Record<string, string>) => (trainRequestBody(values)['spec'] as { config: unknown }).config;
    assert.deepEqual(config({ dataset: 'mail' }), { epochs: 2, optimizer: { learning_rate: 0.02 }, schedule: { warmup_steps: 20, min_learning_rate: 0.0005 } });
    assert.deepEqual(config({ dataset: 'mail', epochs: '5', lr: '0.1' }), { epochs: 5, optimizer: { learning_rate: 0.1 }, schedule: { warmup_steps: 20, min_learning_rate: 0.0005 } });
    assert.deepEqual(config({ dataset: 'mail', optimizer: 'sgd' }), { epochs: 2, optimizer: { kind: 'sgd' }, schedule: { warmup_steps: 20, min_learning_rate: 0.0005 } });
    assert.deepEqual(config({ dataset: 'd', arch: 'mlp', epochs: '1' }), { epochs: 1 });
  });

  it('refuses bad flags as usage errors naming the flag (exit code 2), before calling anything', async () => {
    for (const [values, flag] of [
      [{ epochs: '1' }, '--dataset'],
      [{ dataset: 'd', arch: 'mlp' }, '--epochs'],
      [{ dataset: 'd', epochs: '0' }, '--epochs'],
      [{ dataset: 'd', epochs: '1', 'batch-size': 'x' }, '--batch-size'],
      [{ dataset: 'd', epochs: '1', optimizer: 'lion' }, '--optimizer'],
      [{ dataset: 'd', epochs: '1', arch: 'transformer' }, '--arch'],
      [{ dataset: 'd', epochs: '1', lr: '-1' }, '--lr'],
      [{ dataset: 'd', epochs: '1', 'model-name': 'm', variants: 'fp64' }, '--variants'],
      [{ dataset: 'd', epochs: '1', variants: 'fp16' }, '--variants'],
      [{ dataset: 'd', epochs: '1', 'arch-options': '[1]' }, '--arch-options'],
      [{ dataset: 'd', epochs: '1', 'arch-options': '{' }, '--arch-options'],
      [{ dataset: 'd', epochs: '1', 'vocab-size': '0' }, '--vocab-size'],
      [{ dataset: 'd', epochs: '1', arch: 'mlp', ngrams: '2' }, '--ngrams'],
    ] as [Record<string, string>, string][]) {
      assert.throws(() => trainRequestBody(values), (e: unknown) => e instanceof UsageError && e.message.includes(flag), JSON.stringify(values));
    }
    const err = sink();
    // An unreachable gateway: had the CLI called it, the exit code would be 1, not 2.
    const code = await runCli(['train', '--dataset', 'd', '--epochs', '1', '--optimizer', 'lion'], { env: { L1G1_GATEWAY_URL: 'http://127.0.0.1:9' }, stdout: sink().stream, stderr: err.stream });
    assert.equal(code, 2);
    assert.match(err.text(), /--optimizer must be one of adamw, adam, sgd/);
    assert.equal(await runCli(['jobs', '--cancel'], { env: {}, stdout: sink().stream, stderr: sink().stream }), 2);
  });

  it('the progress line shows step, epoch, loss, learning rate and samples/s; terminal states end a watch', () => {
    assert.equal(trainingLine({ step: 50, total_steps: 200, epoch: 1, loss: 0.693147, learning_rate: 0.00005, samples_per_second: 1234.4 }), '[######..................] 25% step 50/200 epoch 1 loss 0.6931 lr 5.00e-5 1234 samples/s');
    assert.equal(terminalStateOf({ id: '9', event: 'status', data: '{"status":{"state":"succeeded"}}' }), 'succeeded');
    assert.equal(terminalStateOf({ id: '8', event: 'status', data: '{"status":{"state":"running"}}' }), undefined);
    assert.equal(terminalStateOf({ id: '7', event: 'step', data: '{"step":3}' }), undefined);
  });
});
