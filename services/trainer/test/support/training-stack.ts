/**
 * Test fixture: everything a training job touches, real — an ingestion
 * service, the stack (registry, inference, gateway) and a trainer reading
 * from the one and registering into the other, sharing one internal secret
 * and the stack's data directory (its key store).
 */
import { startTestIngestion, type TestIngestion } from '../../../ingestion/test/support/start-ingestion';
import { startStack, type Stack } from '../../../../test/support/stack';
import { startTestTrainer, type TestTrainer } from './start-trainer';

export interface TrainingStack {
  ing: TestIngestion;
  stack: Stack;
  tr: TestTrainer;
  /** Stops the trainer, the stack and ingestion, in that order. */
  close(): Promise<void>;
}

export async function startTrainingStack(secret: string): Promise<TrainingStack> {
  const ing = await startTestIngestion({ env: { L1G1_INTERNAL_SECRET: secret } });
  const stack = await startStack({ sharedEnv: { L1G1_INTERNAL_SECRET: secret } });
  const tr = await startTestTrainer({ ingestionAddress: ing.service.address, registryAddress: stack.registryAddr, internalSecret: secret, dataDir: stack.dataDir });
  return {
    ing,
    stack,
    tr,
    async close() {
      await tr.close();
      await stack.stop();
      await ing.close();
    },
  };
}
