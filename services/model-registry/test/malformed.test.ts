import { strict as assert } from 'node:assert';
import * as grpc from '@grpc/grpc-js';
import { identityInterceptor, unary } from '@l1g1/kit';
import { startTestRegistry, type TestRegistry } from './helpers';

const SERVICE = '/l1g1.modelregistry.v1.ModelRegistryService';
const UNARY = ['CreateModel', 'GetModel', 'ListModels', 'UpdateModel', 'DeleteModel', 'GetVersion', 'ResolveModel', 'ListVersions', 'SetAlias', 'DeleteAlias', 'ListAliasEvents'];

describe('model-registry: malformed requests', function () {
  this.timeout(30_000);
  let reg: TestRegistry;

  before(async () => {
    reg = await startTestRegistry();
  });

  after(async () => {
    await reg?.close();
  });

  it('hundreds of undecodable or nonsensical messages: no crash, no INTERNAL, nothing stored', async () => {
    // With the admin key, so that every message reaches the decoding path under test.
    const raw = new grpc.Client(reg.service.address, grpc.credentials.createInsecure(), { interceptors: [identityInterceptor({ apiKey: reg.adminKey })] });
    const id = (b: Buffer) => b;
    let seed = 11;
    const junk = (n: number) => Buffer.from(Array.from({ length: n }, () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 256));
    const codes = new Map<number, number>();
    const count = (code: number) => codes.set(code, (codes.get(code) ?? 0) + 1);
    for (let i = 0; i < 330; i++) {
      const body = junk(1 + (i % 48));
      if (i % 11 === 0) {
        // Client streaming upload made of junk frames.
        count(
          await new Promise<number>((done) => {
            const call = raw.makeClientStreamRequest(`${SERVICE}/CreateVersion`, id, id, (err) => done(err ? err.code : 0));
            call.write(body);
            call.write(junk(7));
            call.end();
          }),
        );
      } else if (i % 11 === 1) {
        count(
          await new Promise<number>((done) => {
            const call = raw.makeServerStreamRequest(`${SERVICE}/DownloadArtifact`, id, id, body);
            call.on('data', () => undefined);
            call.on('error', (err: grpc.ServiceError) => done(err.code));
            call.on('end', () => done(0));
          }),
        );
      } else {
        const method = UNARY[i % UNARY.length]!;
        count(await new Promise<number>((done) => raw.makeUnaryRequest(`${SERVICE}/${method}`, id, id, body, (err) => done(err ? err.code : 0))));
      }
    }
    raw.close();
    assert.ok(!codes.has(grpc.status.INTERNAL), `INTERNAL answers: ${JSON.stringify([...codes])}`);
    assert.ok(!codes.has(grpc.status.UNKNOWN), `UNKNOWN answers: ${JSON.stringify([...codes])}`);
    assert.ok((codes.get(grpc.status.INVALID_ARGUMENT) ?? 0) > 100, JSON.stringify([...codes]));
    // Still serving, and no junk became a model.
    const models = await unary(reg.client.listModels.bind(reg.client), { page: undefined, query: '', tags: {} });
    assert.deepEqual(
      models.models.filter((m) => !/^[a-z0-9][a-z0-9._-]*$/.test(m.name)),
      [],
    );
  });
});
