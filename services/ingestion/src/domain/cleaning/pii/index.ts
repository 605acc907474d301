export * from './checksums';
export * from './pii-detectors';
export * from './pii-redaction-step';
