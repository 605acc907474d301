/** The job runtime: model, store port and its two implementations, worker, watch, retry policy. */
export * from './job';
export * from './job-store';
export * from './job-store-sqlite';
export * from './job-store-postgres';
export * from './job-store-open';
export * from './job-worker';
export * from './job-watch';
export * from './job-status';
export * from './postgres-event-log';
export * from './database-clock';
export * from './retry-policy';
export * from './job-list-page';
