/** Uploads in progress at once (spooling or being ingested); one more is refused fast with RESOURCE_EXHAUSTED + a retry hint. */
import { errors } from '@l1g1/kit';

export interface UploadGate {
  /** Takes a slot or throws RESOURCE_EXHAUSTED; call the returned function once to give it back. */
  enter(): () => void;
  readonly inProgress: number;
}

export function createUploadGate(maxConcurrent: number, retryAfterMs = 1000): UploadGate {
  let inProgress = 0;
  return {
    enter() {
      if (inProgress >= maxConcurrent) {
        throw errors.resourceExhausted(`${maxConcurrent} uploads are in progress; retry shortly`, retryAfterMs, { reason: 'TOO_MANY_UPLOADS' });
      }
      inProgress += 1;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        inProgress -= 1;
      };
    },
    get inProgress() {
      return inProgress;
    },
  };
}
