import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import type { Attributes, Context, Span } from '@opentelemetry/api';

/** The header that carries a message's W3C trace context (https://www.w3.org/TR/trace-context/). */
export const TRACEPARENT = 'traceparent';

/** What a message holding several items (a batch, a claim reply) writes for an untraced one. */
export const UNTRACED = '-';

/** Fleet's tracer; a no-op until the process registers an OpenTelemetry SDK. */
export const fleetTracer = () => trace.getTracer('fleet');

/** The `traceparent` of `ctx` as the registered propagator writes it; undefined when none. */
export const traceparentOf = (ctx: Context): string | undefined => {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier[TRACEPARENT];
};

/** The context a stored `traceparent` names (the root context when there is none). */
export const contextOf = (traceparent: string | undefined): Context =>
  traceparent === undefined || traceparent === UNTRACED
    ? ROOT_CONTEXT
    : propagation.extract(ROOT_CONTEXT, { [TRACEPARENT]: traceparent });

/** Options of {@link inSpan}. */
export interface SpanOptions {
  readonly kind?: 'producer' | 'consumer' | 'internal';
  readonly attributes?: Attributes;
  /** The parent; default the active context. */
  readonly parent?: Context;
}

const KINDS = {
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
  internal: SpanKind.INTERNAL,
} as const;

/** Starts a span; the caller ends it. */
export const startSpan = (name: string, options: SpanOptions = {}): Span =>
  fleetTracer().startSpan(
    name,
    {
      kind: KINDS[options.kind ?? 'internal'],
      ...(options.attributes && { attributes: options.attributes }),
    },
    options.parent ?? context.active(),
  );

/**
 * Runs `fn` in a new span, passing the span's `traceparent` (undefined when nothing traces),
 * and ends the span when `fn` settles, marked as an error when it throws.
 */
export const inSpan = async <T>(
  name: string,
  options: SpanOptions,
  fn: (traceparent: string | undefined) => Promise<T>,
): Promise<T> => {
  const span = startSpan(name, options);
  const ctx = trace.setSpan(options.parent ?? context.active(), span);
  try {
    return await context.with(ctx, () => fn(traceparentOf(ctx)));
  } catch (error) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw error;
  } finally {
    span.end();
  }
};

/** Fleet's span attributes, named as its events name them. */
export const fleetAttributes = (ids: {
  readonly project?: string;
  readonly pool?: string;
  readonly taskId?: string;
  readonly workerId?: string;
  readonly attempt?: number;
}): Attributes => ({
  ...(ids.project === undefined ? {} : { 'fleet.project': ids.project }),
  ...(ids.pool === undefined ? {} : { 'fleet.pool': ids.pool }),
  ...(ids.taskId === undefined ? {} : { 'fleet.task_id': ids.taskId }),
  ...(ids.workerId === undefined ? {} : { 'fleet.worker_id': ids.workerId }),
  ...(ids.attempt === undefined ? {} : { 'fleet.attempt': ids.attempt }),
  'messaging.system': 'nats',
});
