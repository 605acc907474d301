/**
 * CoNLL-2003: `token -X- _ tag` per line in IOB2, a blank line between
 * records. Tokens split at span edges (domain/tokenize.ts), so adjacent
 * spans and spans inside words keep their exact extent. Each record starts
 * with CoNLL-U style comments `# id = …` and `# text = "…"` (JSON string),
 * which let the import restore exact character offsets.
 */
import type { labeling } from '@l1g1/contracts';
import { bioTags, spansFromBio, tokenize, type Token } from '../domain/tokenize';
import type { ExportItem, FormatWriter, ImportedItem } from './export-item';

function spansOf(value: labeling.AnnotationValue | undefined): labeling.Span[] {
  return value?.value?.$case === 'ner' ? value.value.value.spans : [];
}

export function conllWriter(): FormatWriter {
  return {
    contentType: 'text/plain',
    fileName: 'annotations.conll',
    passes: 1,
    begin: () => [],
    item(item: ExportItem) {
      const text = item.text ?? '';
      const spans = spansOf(item.annotations[0]?.value);
      const tokens = tokenize(text, spans.flatMap((s) => [s.start, s.end]));
      const tags = bioTags(tokens, spans);
      const lines = [`# id = ${item.recordId}`, `# task_id = ${item.taskId}`, `# text = ${JSON.stringify(text)}`, ...tokens.map((t, i) => `${t.text} -X- _ ${tags[i] ?? 'O'}`)];
      return [{ text: `${lines.join('\n')}\n\n` }];
    },
    between: () => [],
    end: () => [],
  };
}

export function readConll(data: string): ImportedItem[] {
  const out: ImportedItem[] = [];
  for (const block of data.split(/\n\s*\n/)) {
    const lines = block.split('\n').filter((l) => l.trim() !== '');
    if (lines.length === 0) continue;
    let recordId = '';
    let taskId = '';
    let text: string | undefined;
    const rows: { token: string; tag: string }[] = [];
    for (const l of lines) {
      if (l.startsWith('# id = ')) recordId = l.slice(7);
      else if (l.startsWith('# task_id = ')) taskId = l.slice(12);
      else if (l.startsWith('# text = ')) text = JSON.parse(l.slice(9)) as string;
      else if (!l.startsWith('-DOCSTART-')) {
        const parts = l.split(' ');
        rows.push({ token: parts[0] ?? '', tag: parts[parts.length - 1] ?? 'O' });
      }
    }
    // Without the text comment, tokens are joined by single spaces.
    const source = text ?? rows.map((r) => r.token).join(' ');
    const tokens: Token[] = [];
    let at = 0;
    for (const r of rows) {
      const start = source.indexOf(r.token, at);
      tokens.push({ start, end: start + r.token.length, text: r.token });
      at = start + r.token.length;
    }
    const spans = spansFromBio(
      tokens,
      rows.map((r) => r.tag),
    ).map((s) => ({ ...s, text: source.slice(s.start, s.end) }));
    out.push({ taskId, recordId, text: source, annotations: [{ annotator: '', value: { value: { $case: 'ner', value: { spans } } }, leadTimeMs: 0, gold: false }] });
  }
  return out;
}
