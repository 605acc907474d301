/**
 * pdf.js's legacy build replaces the thread's JSON.parse / JSON.stringify
 * with core-js versions; the PDF parser puts the native ones back, so a
 * worker thread that once parsed a PDF is not slower for every later upload.
 */
import { strict as assert } from 'node:assert';
import { parsePdf } from '../src/parsers/binary';
import { twoPagePdf } from './format-fixtures';
import { collect, memorySource } from './parsers-binary-support';

const isNative = (fn: (...args: never[]) => unknown): boolean => /\{\s*\[native code\]\s*\}\s*$/.test(Function.prototype.toString.call(fn));

describe('PDF parsing and the thread\'s JSON functions', () => {
  it('leaves JSON.parse and JSON.stringify native after a PDF was parsed', async () => {
    const records = await collect(parsePdf(memorySource('report.pdf', await twoPagePdf()), { maxBytes: 1 << 20 }));
    assert.equal(records.length, 2, 'the PDF was really parsed (pdf.js and its worker module loaded)');
    assert.ok(isNative(JSON.parse), `JSON.parse is ${String(JSON.parse).slice(0, 80)}`);
    assert.ok(isNative(JSON.stringify), `JSON.stringify is ${String(JSON.stringify).slice(0, 80)}`);
  });
});
