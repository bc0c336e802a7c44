import { pino } from 'pino';
import type { Logger } from 'pino';
import { REDACTED, scrubSecrets, SECRET_FIELDS } from './scrub-secrets.ts';

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** The service: `dispatcher`, `registrar`, `gateway`, `worker`, `hud`, `up`. */
  readonly service: string;
  /** Where each line goes; default standard error (standard output is the command's own). */
  readonly write?: (line: string) => void;
  /** Least level written: `FLEET_LOG_LEVEL`, default `info`. */
  readonly level?: string;
  /** Fields on every line, e.g. the pool or the worker's id. */
  readonly bindings?: Readonly<Record<string, string | number>>;
}

/** A structured logger of a long-running service. */
export type ServiceLogger = Logger;

const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** Scrubs strings of a log record, nested objects and arrays included. */
const scrubValue = (value: unknown, depth = 0): unknown => {
  if (typeof value === 'string') return scrubSecrets(value);
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, scrubValue(v, depth + 1)] as const),
  );
};

/**
 * A pino logger: one JSON object per line with `level`, `time`, `service`, `msg`, and the ids a
 * line is about as fields (`project`, `pool`, `workerId`, `taskId`, `attempt`). Secrets never
 * reach a line: fields named like one (`key`, `token`, `seed`, …) are censored at any depth of
 * two, and every string — the message included — has secret-shaped text (key tokens, seeds,
 * JWTs, creds blocks) replaced.
 */
export const createLogger = (options: LoggerOptions): ServiceLogger => {
  const level = options.level ?? process.env['FLEET_LOG_LEVEL'] ?? 'info';
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  return pino(
    {
      level: LEVELS.has(level) ? level : 'info',
      base: { service: options.service, ...options.bindings },
      redact: {
        paths: SECRET_FIELDS.flatMap((f) => [f, `*.${f}`]),
        censor: REDACTED,
      },
      formatters: {
        log: (record) => scrubValue(record) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => scrubValue(a)) as Parameters<typeof method>);
        },
      },
    },
    { write },
  );
};
