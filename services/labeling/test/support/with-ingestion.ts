/**
 * Suite fixture: a real ingestion service and a labeling service that reads
 * from and writes snapshots to it (one internal secret), started in `before`
 * and closed in `after`.
 */
import { startTestIngestion, TEST_INTERNAL_SECRET, type TestIngestion } from '../../../ingestion/test/support/start-ingestion';
import { calls } from './calls';
import { startTestLabeling, type TestLabeling } from './start-labeling';

export interface LabelingWithIngestion {
  ing: TestIngestion;
  lab: TestLabeling;
  api: ReturnType<typeof calls>;
}

export function useLabelingWithIngestion(): { readonly get: () => LabelingWithIngestion } {
  let ing: TestIngestion | undefined;
  let lab: TestLabeling | undefined;
  let api: ReturnType<typeof calls> | undefined;
  before(async () => {
    ing = await startTestIngestion();
    lab = await startTestLabeling({ ingestionAddress: ing.service.address, internalSecret: TEST_INTERNAL_SECRET });
    api = calls(lab.client);
  });
  after(async () => {
    await lab?.close();
    await ing?.close();
  });
  return {
    get() {
      if (!ing || !lab || !api) throw new Error('the services start in a before() hook; use them inside tests');
      return { ing, lab, api };
    },
  };
}
