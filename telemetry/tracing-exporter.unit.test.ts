import { describe, expect, it } from 'vitest';
import { tracingExporter } from './tracing-exporter.ts';

describe('tracingExporter', () => {
  it.each([
    [{}, 'none'],
    [{ OTEL_TRACES_EXPORTER: 'otlp' }, 'otlp'],
    [{ OTEL_TRACES_EXPORTER: 'console' }, 'console'],
    [{ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }, 'none'],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, 'otlp'],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }, 'otlp'],
    [{ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' }, 'none'],
    [{ OTEL_TRACES_EXPORTER: 'zipkin' }, 'none'],
  ] as const)('%o exports to %s (off unless configured)', (env, expected) => {
    expect(tracingExporter(env)).toBe(expected);
  });
});
