/** Privacy statistics building blocks (issue 7, point 7); the lead wires these into the service's exports. */
export * from './random-source';
export * from './noise-mechanisms';
export * from './privacy-budget';
export * from './private-statistics';
