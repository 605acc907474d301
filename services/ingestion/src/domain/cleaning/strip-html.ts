import { Parser } from 'htmlparser2';
import type { CleaningStep } from './cleaning-step';
import { createTextStep } from './text-step';

/** Elements whose content is never text a reader sees. */
const SKIPPED = new Set(['script', 'style', 'noscript', 'template', 'head', 'svg', 'math', 'iframe', 'object']);
/** Elements that end a line of text (so `<p>a</p><p>b</p>` does not become `ab`). */
const BLOCKS = new Set([
  'address', 'article', 'aside', 'blockquote', 'br', 'dd', 'div', 'dl', 'dt', 'figcaption', 'figure',
  'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'li', 'main', 'nav', 'ol', 'p',
  'pre', 'section', 'table', 'td', 'th', 'tr', 'ul', 'title', 'caption', 'summary', 'details',
]);
// A tag (`<p>`, `</div>`, `<br/>`, `<!-- -->`, `<!doctype`) or an entity: plain text such as
// `a < b && c > d` has neither, and is left alone.
const MARKUP = /<\/?[a-zA-Z][\w:-]*(?:\s[^<>]*)?\/?>|<!--|<!doctype|&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]{2,31});/i;

/** Whether a text holds HTML markup (the step leaves other texts unchanged). */
export function looksLikeHtml(text: string): boolean {
  return MARKUP.test(text);
}

/**
 * The visible text of an HTML fragment or page, by htmlparser2's tolerant
 * tokenizer (broken markup never throws): entities decoded, script/style and
 * the like dropped, block elements ending lines, whitespace collapsed as a
 * browser would outside `<pre>`.
 */
export function stripHtml(html: string): string {
  const out: string[] = [];
  let skipDepth = 0;
  let preDepth = 0;
  const parser = new Parser(
    {
      onopentag(name) {
        if (SKIPPED.has(name)) skipDepth += 1;
        if (name === 'pre') preDepth += 1;
        if (BLOCKS.has(name)) out.push('\n');
      },
      onclosetag(name) {
        if (SKIPPED.has(name)) skipDepth = Math.max(0, skipDepth - 1);
        if (name === 'pre') preDepth = Math.max(0, preDepth - 1);
        // Void elements (br, hr) get a close event too: one line break for them, on open.
        if (BLOCKS.has(name) && name !== 'br' && name !== 'hr') out.push('\n');
      },
      ontext(text) {
        if (skipDepth > 0) return;
        out.push(preDepth > 0 ? text : text.replace(/[ \t\r\n\f]+/g, ' '));
      },
    },
    { decodeEntities: true, lowerCaseTags: true, recognizeSelfClosing: true },
  );
  parser.write(html);
  parser.end();
  return out
    .join('')
    .split('\n')
    .map((line) => line.trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** The `strip_html` step: texts that hold markup (or are `text/html`) become their visible text. */
export function createStripHtmlStep(): CleaningStep {
  return createTextStep('strip_html', (text, record) =>
    record.contentType.startsWith('text/html') || looksLikeHtml(text)
      ? { kind: 'keep', text: stripHtml(text) }
      : { kind: 'keep', text },
  );
}
