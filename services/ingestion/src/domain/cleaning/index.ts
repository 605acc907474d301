/** Cleaning building blocks (issue 7, point 3); the lead wires these into the service's exports. */
export * from './cleaning-step';
export * from './cleaning-pipeline';
export * from './step-report-builder';
export * from './text-step';
export * from './normalize-text';
export * from './strip-html';
export * from './length-filter';
export * from './script-detector';
export * from './language-filter';
export * from './content-id';
export * from './exact-dedupe';
export * from './minhash';
export * from './lsh-index';
export * from './near-dedupe';
export * from './pii';
export * from './digest-set';
