import type { Logger } from './logger';

export interface Stoppable {
  stop(): Promise<void>;
}

/**
 * Graceful shutdown: on SIGTERM/SIGINT stop accepting, drain, close stores
 * (whatever `stop` does), then exit. A second signal exits at once.
 */
export function onShutdownSignal(target: Stoppable, logger: Logger, extra: (() => Promise<void>)[] = []): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    target
      .stop()
      .then(async () => {
        for (const fn of extra) await fn();
      })
      .then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'error during shutdown');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', handler);
  process.once('SIGINT', handler);
}
