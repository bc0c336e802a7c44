/**
 * What Fleet tells about itself: structured logs (pino) with secrets scrubbed, and trace context
 * (OpenTelemetry's API) carried in message headers. The SDK is set up only where a process
 * starts (`startTracing`); the library code uses the API alone. `start-tracing.ts` is imported
 * by path, not from here, so that nothing else loads the SDK; and library code imports
 * `trace-context.ts` by path, so that a producer or a worker never loads pino.
 */
export { createLogger } from './create-logger.ts';
export type { LoggerOptions, ServiceLogger } from './create-logger.ts';
export { REDACTED, scrubSecrets, SECRET_FIELDS } from './scrub-secrets.ts';
export {
  contextOf,
  fleetAttributes,
  fleetTracer,
  inSpan,
  startSpan,
  TRACEPARENT,
  traceparentOf,
  UNTRACED,
} from './trace-context.ts';
export type { SpanOptions } from './trace-context.ts';
export { tracingExporter } from './tracing-exporter.ts';
export type { TracingExporter } from './tracing-exporter.ts';
