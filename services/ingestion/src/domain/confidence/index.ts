/** The confidence filter (issue 7, point 4): score with a served model, keep >= threshold, send the rest to review. */
export * from './scorer';
export * from './confidence-options';
export * from './score-records';
export * from './plan-confidence-filter';
export * from './apply-confidence-plan';
export * from './class-names-tag';
