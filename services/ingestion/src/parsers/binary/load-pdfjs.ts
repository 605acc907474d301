/**
 * Loads pdf.js's legacy build without letting it slow the thread down.
 *
 * The legacy build bundles core-js polyfills that replace the thread's
 * `JSON.parse` (for the "JSON.parse source text access" proposal: a reviver's
 * third argument) and `JSON.stringify` (for `JSON.rawJSON`) with JavaScript
 * versions: ~10 % slower parse, a much slower stringify, for every later
 * upload parsed in that worker thread. pdf.js itself uses neither feature
 * (its own JSON calls stringify plain arrays and objects for cache keys, and
 * parse the viewer's clipboard, which Node never runs), so the native
 * functions are put back right after the modules are evaluated.
 *
 * In Node, pdf.js runs its "worker" in the calling thread and would import
 * pdf.worker.mjs (core-js again) on the first getDocument: it is imported
 * here too, which sets `globalThis.pdfjsWorker`, the handler pdf.js uses
 * instead of importing it later.
 */
type Pdfjs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');

// pdf.worker.mjs ships no type declarations: imported for its side effect only, hence a plain string.
const PDFJS_WORKER_MODULE: string = 'pdfjs-dist/legacy/build/pdf.worker.mjs';

// Taken when this module loads, before pdf.js can have been required through it.
const NATIVE_JSON_PARSE = JSON.parse;
const NATIVE_JSON_STRINGIFY = JSON.stringify;

/** pdf.js's legacy build, the thread's native JSON functions kept (the module system caches the import). */
export async function loadPdfjs(): Promise<Pdfjs> {
  try {
    const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
    await import(PDFJS_WORKER_MODULE);
    return pdfjs;
  } finally {
    JSON.parse = NATIVE_JSON_PARSE;
    JSON.stringify = NATIVE_JSON_STRINGIFY;
  }
}
