import { propagation } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, ConsoleSpanExporter } from '@opentelemetry/sdk-trace-base';
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { tracingExporter } from './tracing-exporter.ts';

/** Tracing of one process. */
export interface Tracing {
  /** Flushes what is buffered and stops exporting. */
  stop(): Promise<void>;
}

/** Options of {@link startTracing}. */
export interface TracingOptions {
  /** `service.name` unless `OTEL_SERVICE_NAME` says otherwise. */
  readonly service: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Processors to use instead of the environment's exporter (tests: an in-memory exporter). */
  readonly spanProcessors?: readonly SpanProcessor[];
}

const exporterOf = async (kind: 'otlp' | 'console'): Promise<SpanExporter> => {
  if (kind === 'console') return new ConsoleSpanExporter();
  // Loaded only when asked: the OTLP exporter reads its endpoint and headers from OTEL_*.
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
  return new OTLPTraceExporter();
};

/**
 * Sets a process up for tracing, where it starts (the library code uses only the API): the W3C
 * trace context propagator always, so trace context passes through this process's messages
 * even when it exports nothing; a tracer provider only when the environment configures an
 * exporter (see {@link tracingExporter}) or processors are given.
 */
export const startTracing = async (options: TracingOptions): Promise<Tracing> => {
  const env = options.env ?? process.env;
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const kind = tracingExporter(env);
  const processors =
    options.spanProcessors ??
    (kind === 'none' ? [] : [new BatchSpanProcessor(await exporterOf(kind))]);
  if (processors.length === 0) return { stop: () => Promise.resolve() };
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      'service.name': env['OTEL_SERVICE_NAME'] ?? options.service,
    }),
    spanProcessors: [...processors],
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  return { stop: () => provider.shutdown() };
};
