#!/usr/bin/env node
/**
 * `node packages/kit/dist/health-probe.js host:port [service]`: exits 0 when
 * the gRPC server answers SERVING (container health checks).
 */
import { credentials, Metadata } from '@grpc/grpc-js';
import { health } from '@l1g1/contracts';

const [address, service = ''] = process.argv.slice(2);
if (!address) {
  console.error('usage: health-probe host:port [service]');
  process.exit(2);
}
const client = new health.HealthClient(address, credentials.createInsecure());
client.check({ service }, new Metadata(), { deadline: Date.now() + 3000 }, (err, res) => {
  const ok = !err && res.status === health.HealthCheckResponse_ServingStatus.SERVING;
  if (!ok) console.error(err ? err.message : `status ${res.status}`);
  process.exit(ok ? 0 : 1);
});
