import { strict as assert } from 'node:assert';
import { connect } from 'node:http2';
import { health } from '@l1g1/contracts';
import { createGrpcClient, createSilentLogger, startGrpcServer, unary } from '@l1g1/kit';

describe('kit: gRPC server bootstrap', () => {
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
});
