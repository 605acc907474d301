/**
 * The labeling service (issue 10): projects with a label schema, tasks from
 * snapshots or uploads with overlap and a reservation queue, annotations
 * with history, agreement metrics, consensus and review, and exports.
 *
 * `startLabeling` composes the deps and the server; `main.ts` wraps it with
 * config, telemetry and signals, and tests and the launcher call it directly.
 */
export { loadLabelingConfig, type LabelingConfig } from './config';
export { LABELING_SERVICE_NAME } from './server';
export type { LabelingDeps } from './deps';
export { startLabeling, type StartLabelingOptions, type RunningLabeling } from './start-labeling';
