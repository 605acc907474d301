import { performance } from 'node:perf_hooks';

/** How busy this process's event loop was over the last sample. */
export interface EventLoopMonitor {
  /** Why requests should be refused now, or undefined when the loop keeps up. */
  saturation(): { cause: 'delay' | 'utilization'; value: number } | undefined;
  stop(): void;
}

export interface EventLoopMonitorOptions {
  /** A timer late by more than this means the loop is saturated; 0 = off. */
  maxDelayMs: number;
  /** Utilization (0..1) of the last sample above this means saturated; 0 = off. */
  maxUtilization: number;
  sampleMs: number;
}

/**
 * Samples the event loop every `sampleMs` with a timer: how late the timer
 * fired (the delay any request arriving then also waits) and the loop's
 * utilization over the sample.
 *
 * Written by hand rather than taken from @fastify/under-pressure: its delay
 * comes from a `monitorEventLoopDelay` histogram whose empty reading it
 * takes as an infinite delay, and in our test process (registry, inference
 * and gateway in one) it read empty for seconds and refused every request. A late
 * timer cannot read empty: if the loop is blocked, the tick is late by that
 * much; if not, it is on time.
 */
/**
 * Samples in a row over a limit before requests are refused: one stall (a
 * GC pause, a synchronous model load in a test process) is not saturation,
 * and refusing everyone after it would turn a hiccup into an outage.
 */
const SUSTAINED_SAMPLES = 2;

export function createEventLoopMonitor(options: EventLoopMonitorOptions): EventLoopMonitor {
  let delayMs = 0;
  let utilization = 0;
  let busySamples = 0;
  if (options.maxDelayMs <= 0 && options.maxUtilization <= 0) return { saturation: () => undefined, stop: () => undefined };
  const overDelay = (): boolean => options.maxDelayMs > 0 && delayMs > options.maxDelayMs;
  const overUtilization = (): boolean => options.maxUtilization > 0 && utilization > options.maxUtilization;
  let expected = performance.now() + options.sampleMs;
  let elu = performance.eventLoopUtilization();
  const timer = setInterval(() => {
    const now = performance.now();
    delayMs = Math.max(0, now - expected);
    expected = now + options.sampleMs;
    const current = performance.eventLoopUtilization();
    utilization = performance.eventLoopUtilization(current, elu).utilization;
    elu = current;
    busySamples = overDelay() || overUtilization() ? busySamples + 1 : 0;
  }, options.sampleMs);
  // Monitoring alone must not keep the process alive.
  timer.unref();
  return {
    saturation() {
      if (busySamples < SUSTAINED_SAMPLES) return undefined;
      if (overDelay()) return { cause: 'delay', value: delayMs };
      if (overUtilization()) return { cause: 'utilization', value: utilization };
      return undefined;
    },
    stop: () => clearInterval(timer),
  };
}
