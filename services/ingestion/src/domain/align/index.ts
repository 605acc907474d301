/** Multimodal alignment by timestamp (issue 7, point 5). */
export * from './timed-stream';
export * from './estimate-offset';
export * from './align-streams';
