/**
 * Loaded by mocha before any test file (see .mocharc.json): starts the
 * OpenTelemetry SDK with an in-memory exporter before grpc-js and http are
 * required, so tests can assert the spans a request produced.
 */
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { startTelemetry } from '@l1g1/kit/dist/telemetry';

export const spanExporter = new InMemorySpanExporter();

startTelemetry({ serviceName: 'l1g1-tests', spanProcessors: [new SimpleSpanProcessor(spanExporter)], env: {} });
