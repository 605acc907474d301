/**
 * The metric library: pure functions over label indices and probability
 * rows, each matching a named reference (scikit-learn, seqeval, Guo et al.)
 * checked to 1e-9 by test/metrics-reference.test.ts against committed values.
 */
export * from './accuracy';
export * from './confusion-matrix';
export * from './precision-recall-f1';
export * from './ranked-scores';
export * from './roc-auc';
export * from './average-precision';
export * from './top-class';
export * from './calibration';
export * from './log-loss';
export * from './perplexity';
export * from './entity-f1';
export * from './token-scores';
