/** Inter-annotator agreement: pure functions over labels, no storage or gRPC. */
export * from './cohen-kappa';
export * from './fleiss-kappa';
export * from './krippendorff-alpha';
export * from './span-f1';
export * from './box-f1';
