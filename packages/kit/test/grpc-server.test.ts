import { strict as assert } from 'node:assert';
import { connect } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { health, inference } from '@l1g1/contracts';
import { createGrpcClient, createSilentLogger, L1g1Error, startGrpcServer, unary } from '@l1g1/kit';

/** The service names a server lists over gRPC reflection (v1), as grpcurl asks. */
async function reflectedServices(address: string): Promise<string[]> {
  const def = protoLoader.loadSync(require.resolve('@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto'), { keepCase: true, defaults: true, oneofs: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    grpc: { reflection: { v1: { ServerReflection: new (a: string, c: grpc.ChannelCredentials) => grpc.Client } } };
  };
  type Reply = { list_services_response?: { service: { name: string }[] } };
  const client = new pkg.grpc.reflection.v1.ServerReflection(address, grpc.credentials.createInsecure());
  try {
    // Dynamic client: the method is looked up by name.
    const stream = (client as unknown as { ServerReflectionInfo: () => grpc.ClientDuplexStream<object, Reply> }).ServerReflectionInfo();
    return await new Promise<string[]>((done, fail) => {
      stream.on('data', (m: Reply) => {
        done((m.list_services_response?.service ?? []).map((s) => s.name).sort());
        stream.end();
      });
      stream.on('error', fail);
      stream.write({ list_services: '' });
    });
  } finally {
    client.close();
  }
}

describe('kit: gRPC server bootstrap', () => {
  it('reflection lists exactly the services a server serves (plus health), per server', async () => {
    const logger = createSilentLogger();
    const bare = await startGrpcServer('127.0.0.1:0', { logger, services: [] });
    const served = await startGrpcServer('127.0.0.1:0', {
      logger,
      services: [{ name: 'l1g1.inference.v1.InferenceService', definition: inference.InferenceServiceService, implementation: {} }],
    });
    try {
      assert.deepEqual(await reflectedServices(bare.address), ['grpc.health.v1.Health']);
      assert.deepEqual(await reflectedServices(served.address), ['grpc.health.v1.Health', 'l1g1.inference.v1.InferenceService']);
    } finally {
      await bare.shutdown(100);
      await served.shutdown(100);
    }
  });

  it('serves grpc.health.v1 and advertises wide HTTP/2 receive windows', async () => {
    const server = await startGrpcServer('127.0.0.1:0', { logger: createSilentLogger(), services: [], receiveWindowBytes: 8 * 1024 * 1024 });
    try {
      const client = createGrpcClient(health.HealthClient, server.address);
      const res = await unary(client.check.bind(client), { service: '' });
      client.close();
      assert.equal(res.status, health.HealthCheckResponse_ServingStatus.SERVING);

      // A raw HTTP/2 peer sees the per-stream window the server advertises.
      const session = connect(`http://${server.address}`);
      const settings = await new Promise<{ initialWindowSize?: number }>((resolve, reject) => {
        session.once('remoteSettings', resolve);
        session.once('error', reject);
      });
      session.close();
      assert.equal(settings.initialWindowSize, 4 * 1024 * 1024);
    } finally {
      await server.shutdown(100);
    }
  });

  it('clients spread calls over every address their target resolves to (replicas behind one name)', async () => {
    const logger = createSilentLogger();
    // Only replica A serves the inference service, so a health check of it tells the replicas apart.
    const a = await startGrpcServer('127.0.0.1:0', {
      logger,
      services: [{ name: 'l1g1.inference.v1.InferenceService', definition: inference.InferenceServiceService, implementation: {} }],
    });
    const b = await startGrpcServer('127.0.0.1:0', { logger, services: [] });
    const client = createGrpcClient(health.HealthClient, `ipv4:127.0.0.1:${a.port},127.0.0.1:${b.port}`);
    try {
      let fromA = 0;
      let fromB = 0;
      for (let i = 0; i < 10; i += 1) {
        try {
          await unary(client.check.bind(client), { service: 'l1g1.inference.v1.InferenceService' });
          fromA += 1;
        } catch (err: unknown) {
          // B does not serve it: health answers NOT_FOUND.
          if (!(err instanceof L1g1Error && err.kind === 'NOT_FOUND')) throw err;
          fromB += 1;
        }
      }
      assert.ok(fromA > 0 && fromB > 0, `calls answered by A: ${fromA}, by B: ${fromB}`);
    } finally {
      client.close();
      await a.shutdown(100);
      await b.shutdown(100);
    }
  });
});
