/**
 * Composition root of the model-registry process. Telemetry starts first:
 * its instrumentations patch grpc-js and http when they load, so everything
 * else is required only afterwards (`./run`), or spans silently vanish.
 */
import { startTelemetry } from '@l1g1/kit/dist/telemetry';

const telemetry = startTelemetry({ serviceName: 'model-registry' });

import('./run')
  .then(({ run }) => run(telemetry))
  .catch((err: unknown) => {
    console.error('model-registry failed to start:', err);
    process.exit(1);
  });
