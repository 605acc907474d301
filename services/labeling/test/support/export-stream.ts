/** Reads a whole ExportAnnotations stream: the header, and the bytes of each file ('' for single-file formats). */
import { labeling } from '@l1g1/contracts';
import { fromServiceError, isServiceError } from '@l1g1/kit';
import type { LabelingClient } from './start-labeling';

export interface ExportResult {
  header: labeling.ExportHeader | undefined;
  files: Map<string, string>;
  chunks: number;
  maxChunk: number;
}

export async function readExport(client: LabelingClient, req: labeling.DeepPartial<labeling.ExportAnnotationsRequest>): Promise<ExportResult> {
  const call = client.exportAnnotations(labeling.ExportAnnotationsRequest.fromPartial(req));
  const out: ExportResult = { header: undefined, files: new Map(), chunks: 0, maxChunk: 0 };
  const parts = new Map<string, Buffer[]>();
  let current = '';
  try {
    await collect();
  } catch (err: unknown) {
    throw isServiceError(err) ? fromServiceError(err) : err;
  }
  for (const [k, v] of parts) out.files.set(k, Buffer.concat(v).toString('utf8'));
  return out;

  async function collect(): Promise<void> {
  for await (const m of call as AsyncIterable<labeling.ExportAnnotationsResponse>) {
    const p = m.payload;
    if (p?.$case === 'header') out.header = p.value;
    else if (p?.$case === 'file') {
      current = p.value.path;
      parts.set(current, []);
    } else if (p?.$case === 'chunk') {
      out.chunks++;
      out.maxChunk = Math.max(out.maxChunk, p.value.length);
      parts.set(current, [...(parts.get(current) ?? []), Buffer.from(p.value)]);
    }
  }
  }
}
