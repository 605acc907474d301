/** The predicted class (first maximum, as numpy's argmax) and its probability. */
export function topClass(row: readonly number[]): { index: number; confidence: number } {
  let index = 0;
  let confidence = -Infinity;
  for (let c = 0; c < row.length; c++) {
    const p = row[c] as number;
    if (p > confidence) {
      confidence = p;
      index = c;
    }
  }
  return { index, confidence };
}
