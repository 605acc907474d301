/** Client-streams an export into ImportAnnotations: header, then each file (a `file` message first when it has a path) in small chunks. */
import { labeling } from '@l1g1/contracts';
import { fromServiceError } from '@l1g1/kit';
import type { LabelingClient } from './start-labeling';

export function importUpload(client: LabelingClient, header: labeling.ImportAnnotationsHeader, files: ReadonlyMap<string, string>, chunkBytes = 1024): Promise<labeling.ImportAnnotationsResponse> {
  return new Promise((resolve, reject) => {
    const call = client.importAnnotations((err, res) => (err ? reject(fromServiceError(err)) : res ? resolve(res) : reject(new Error('no answer'))));
    call.write({ payload: { $case: 'header', value: header } });
    for (const [path, text] of files) {
      if (path !== '') call.write({ payload: { $case: 'file', value: { path } } });
      const bytes = Buffer.from(text, 'utf8');
      for (let i = 0; i < bytes.length; i += chunkBytes) call.write({ payload: { $case: 'chunk', value: bytes.subarray(i, i + chunkBytes) } });
    }
    call.end();
  });
}
