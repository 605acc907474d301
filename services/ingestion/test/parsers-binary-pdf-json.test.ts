/**
 * pdf.js's legacy build replaces the thread's JSON.parse / JSON.stringify
 * with core-js versions (which also make Function#toString print them as
 * native, so only identity tells). The PDF parser puts the native ones back,
 * so a parse worker that once read a PDF is not slower for later uploads.
 * Checked in a fresh worker thread running the compiled parsers, as the
 * service's parse worker does.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { twoPagePdf } from './format-fixtures';

/** Runs in the worker (plain CommonJS): JSON's functions before, then after parsing the PDF. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const parse = JSON.parse;
const stringify = JSON.stringify;
(async () => {
  const { parsePdf } = require(workerData.parsers);
  const source = {
    name: 'report.pdf',
    sizeBytes: workerData.pdf.length,
    async *stream() { yield workerData.pdf; },
    async readAll() { return workerData.pdf; },
  };
  let pages = 0;
  for await (const record of parsePdf(source, { maxBytes: 1 << 20 })) if (record) pages += 1;
  parentPort.postMessage({ pages, parseKept: JSON.parse === parse, stringifyKept: JSON.stringify === stringify });
})().catch((err) => parentPort.postMessage({ error: String(err && err.stack || err) }));
`;

describe('PDF parsing and the thread\'s JSON functions', () => {
  it('leaves a worker thread\'s JSON.parse and JSON.stringify the same functions after it parsed a PDF', async function () {
    this.timeout(120_000);
    const pdf = await twoPagePdf();
    // The parse worker runs the compiled parsers (dist/), as this worker does.
    const parsers = join(__dirname, '..', 'dist', 'parsers', 'binary', 'index.js');
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { parsers, pdf } });
    try {
      const answer = await new Promise<{ pages?: number; parseKept?: boolean; stringifyKept?: boolean; error?: string }>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      assert.equal(answer.error, undefined);
      assert.equal(answer.pages, 2, 'the PDF was really parsed (pdf.js loaded in that thread)');
      assert.equal(answer.parseKept, true, 'JSON.parse is the function the thread started with');
      assert.equal(answer.stringifyKept, true, 'JSON.stringify is the function the thread started with');
    } finally {
      await worker.terminate();
    }
  });
});
