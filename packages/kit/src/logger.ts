import pino from 'pino';

export type Logger = pino.Logger;

/** Structured JSON logs (pino) on stdout, one logger per service. */
export function createLogger(service: string, level = process.env['L1G1_LOG_LEVEL'] ?? 'info'): Logger {
  return pino({ name: service, level, base: { service, pid: process.pid } });
}

/** A logger that drops everything: for tests that assert behaviour, not logs. */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}
