/**
 * OpenTelemetry bootstrap. Import this module (and call `startTelemetry`)
 * BEFORE anything requires @grpc/grpc-js or http: the instrumentations patch
 * those modules when they load, and spans silently vanish otherwise. That is
 * why this file imports nothing from the rest of the kit.
 */
import { NodeSDK } from '@opentelemetry/sdk-node';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface TelemetryOptions {
  serviceName: string;
  /** Extra processors (tests pass a SimpleSpanProcessor over an in-memory exporter). */
  spanProcessors?: SpanProcessor[];
  /** Defaults to process.env. */
  env?: Readonly<Record<string, string | undefined>>;
}

export interface Telemetry {
  /** Flushes pending spans and stops the SDK. */
  shutdown(): Promise<void>;
}

export function startTelemetry(options: TelemetryOptions): Telemetry {
  const env = options.env ?? process.env;
  const processors: SpanProcessor[] = [...(options.spanProcessors ?? [])];
  // Export over OTLP/HTTP only when asked to; otherwise spans still carry the
  // W3C trace context across hops but are not shipped anywhere.
  if (env['OTEL_EXPORTER_OTLP_ENDPOINT'] || env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']) {
    processors.push(new BatchSpanProcessor(new OTLPTraceExporter()));
  }
  const sdk = new NodeSDK({
    serviceName: env['OTEL_SERVICE_NAME'] ?? options.serviceName,
    spanProcessors: processors,
    // Traces only: metrics are Prometheus (/metrics) and logs are pino. Left
    // unset, the SDK would build OTLP metric and log exporters from env
    // defaults that export nowhere and hold the process open for ~9 s on exit.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        // Health probes and scrapes are noise in traces.
        ignoreIncomingRequestHook: (req) => /^\/(metrics|healthz|readyz)\b/.test(req.url ?? ''),
      }),
      new GrpcInstrumentation({ ignoreGrpcMethods: ['Check', 'Watch'] }),
    ],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}
