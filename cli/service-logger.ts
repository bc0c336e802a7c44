import { createLogger } from '../telemetry/create-logger.ts';
import type { ServiceLogger } from '../telemetry/create-logger.ts';
import type { CliContext } from './cli-context.ts';

/**
 * The structured log of a long-running command (`dispatcher`, `registrar`, `gateway`,
 * `worker`, `up`): JSON lines on standard error through pino, at `FLEET_LOG_LEVEL` (default
 * info), secrets scrubbed; standard output keeps what the command says to a person.
 */
export const serviceLogger = (
  ctx: CliContext,
  service: string,
  bindings: Readonly<Record<string, string | number>> = {},
): ServiceLogger => {
  const level = ctx.io.env['FLEET_LOG_LEVEL'];
  return createLogger({
    service,
    write: ctx.io.stderr,
    bindings,
    ...(level === undefined || level === '' ? {} : { level }),
  });
};
