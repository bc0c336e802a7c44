import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { FleetError } from '../events/errors.ts';
import { DEFAULT_ROOT, DEFAULT_STREAM } from '../events/names.ts';
import { CliContext, DEFAULT_NATS_URL } from './cli-context.ts';
import { withConfigFiles } from './config-file.ts';
import { processIo } from './cli-io.ts';
import type { CliIo } from './cli-io.ts';
// Every command's module is loaded to build the program, for `fleet --help` too: each imports
// only what registering its options needs, and what its action runs (the NATS client, the
// schemas, the actors) when the action runs. cli/startup.e2e.test.ts checks it.
import { registerAudit } from './commands/audit.ts';
import { registerRetention } from './commands/retention.ts';
import { registerCancel } from './commands/cancel.ts';
import { registerDlq } from './commands/dlq.ts';
import { registerCompletion } from './commands/completion.ts';
import { registerCosts } from './commands/costs.ts';
import { registerCreds } from './commands/creds.ts';
import { registerDispatcher } from './commands/dispatcher.ts';
import { registerEvents } from './commands/events.ts';
import { registerHud } from './commands/hud.ts';
import { registerKeys } from './commands/keys.ts';
import { registerLimits } from './commands/limits.ts';
import { registerProvisioner } from './commands/provisioner.ts';
import { registerRegistrar } from './commands/registrar.ts';
import { registerGateway } from './commands/gateway.ts';
import { registerState } from './commands/state.ts';
import { registerStatus } from './commands/status.ts';
import { registerTasks } from './commands/tasks.ts';
import { registerSubmit } from './commands/submit.ts';
import { registerTop } from './commands/top.ts';
import { registerUp } from './commands/up.ts';
import { registerWorker } from './commands/worker.ts';
import { registerWorkers } from './commands/workers.ts';
import { registerWorkersDrain } from './commands/workers-drain.ts';

/** The package's version, from its package.json: next to cli/ in the sources, to dist/ built. */
const version = (): string => {
  for (const path of ['../package.json', '../../package.json']) {
    let pkg: unknown;
    try {
      pkg = JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8'));
    } catch {
      continue;
    }
    if (typeof pkg === 'object' && pkg !== null && 'version' in pkg) return String(pkg.version);
  }
  return '0';
};

/**
 * Builds the `fleet` command line. Output goes through `ctx.io`, and commands set
 * `ctx.exitCode`; errors propagate to the caller of `parseAsync` (see `runCli`).
 */
export const buildProgram = (ctx: CliContext = new CliContext(processIo())): Command => {
  const program = new Command('fleet')
    .description(
      'Fleet: dispatch tasks to workers with capability matching and tenant isolation, ' +
        'on NATS JetStream.',
    )
    .version(version())
    .option(
      '--nats <url>',
      `NATS server URL (default: $NATS_URL, else the context, else ${DEFAULT_NATS_URL})`,
    )
    .option('--root <root>', 'subject root of the deployment', DEFAULT_ROOT)
    .option('--stream <name>', 'JetStream stream holding the log', DEFAULT_STREAM)
    .option(
      '--creds <file>',
      'NATS user credentials (.creds) to connect with, for a secure server (default: ' +
        '$NATS_CREDS, else the context’s)',
    )
    .option(
      '--context <file>',
      'the context fleet up wrote (URL, creds path, root, stream) to use when neither --nats ' +
        'nor NATS_URL is given (default: $FLEET_HOME/context.json, else ~/.fleet/context.json)',
    )
    .hook('preAction', (_program, action) => {
      ctx.useGlobals(action);
    })
    .exitOverride()
    .configureOutput({ writeOut: ctx.io.stdout, writeErr: ctx.io.stderr })
    .showHelpAfterError('(run with --help for usage)');
  registerUp(program, ctx);
  registerKeys(program, ctx);
  registerLimits(program, ctx);
  registerWorkers(program, ctx);
  registerWorkersDrain(program, ctx);
  registerSubmit(program, ctx);
  registerStatus(program, ctx);
  registerCancel(program, ctx);
  registerDlq(program, ctx);
  registerTasks(program, ctx);
  registerWorker(program, ctx);
  registerDispatcher(program, ctx);
  registerRegistrar(program, ctx);
  registerProvisioner(program, ctx);
  registerGateway(program, ctx);
  registerAudit(program, ctx);
  registerRetention(program, ctx);
  registerState(program, ctx);
  registerEvents(program, ctx);
  registerHud(program, ctx);
  registerCreds(program, ctx);
  registerCosts(program, ctx);
  registerTop(program, ctx);
  registerCompletion(program, ctx);
  withConfigFiles(program, { dispatcher: [['pool', 'pools']], worker: [] });
  return program;
};

/**
 * Runs `fleet` with `argv` (the arguments after the program name) and returns the exit code:
 * 0 on success; 1 when a task waited for did not complete or what was named is not there
 * (`not_found`); 2 for other errors, printed as
 * `error [code]: message` on stderr without a stack trace (set FLEET_DEBUG=1 for one when the
 * error is not one of Fleet's).
 */
export const runCli = async (argv: readonly string[], io: CliIo = processIo()): Promise<number> => {
  const ctx = new CliContext(io);
  try {
    await buildProgram(ctx).parseAsync([...argv], { from: 'user' });
    return ctx.exitCode;
  } catch (e) {
    // Commander has printed its own message (usage errors, help, version).
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    // A failure behind which the server refused the credentials' subject says so (an observer's
    // `keys create`, say), rather than looking like an outage.
    const denied =
      e instanceof FleetError && e.code === 'unavailable'
        ? (await import('../client/permission-refusal.ts')).permissionRefusal(
            e,
            `let this command through (${e.message})`,
          )
        : undefined;
    if (denied !== undefined) ctx.warn(`error [${denied.code}]: ${denied.message}`);
    else if (e instanceof FleetError) {
      ctx.warn(`error [${e.code}]: ${e.message}`);
      // Nothing there (an unknown task, no Fleet at the URL): an answer, not a failure to run.
      if (e.code === 'not_found') return 1;
    } else {
      ctx.warn(`error: ${e instanceof Error ? e.message : String(e)}`);
      if (io.env['FLEET_DEBUG'] !== undefined && e instanceof Error && e.stack !== undefined)
        ctx.warn(e.stack);
    }
    return 2;
  }
};

/** Commands that run until stopped: they pass trace context on even when exporting nothing. */
const SERVICES = new Set(['up', 'dispatcher', 'registrar', 'gateway', 'worker', 'hud']);

/**
 * OpenTelemetry for this process, set up where it starts: for the services always (trace context
 * flows through them), for any command when `OTEL_*` configures an exporter; loaded only then,
 * so other commands start without it.
 */
const startTracingFor = async (
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
) => {
  const command = argv.find((a) => SERVICES.has(a));
  const { tracingExporter } = await import('../telemetry/tracing-exporter.ts');
  if (command === undefined && tracingExporter(env) === 'none') return undefined;
  const { startTracing } = await import('../telemetry/start-tracing.ts');
  return startTracing({ service: `fleet-${command ?? 'cli'}`, env });
};

/** The process entry: runs `fleet` with the process's arguments and exits with its code. */
export const main = async (): Promise<void> => {
  const argv = process.argv.slice(2);
  const tracing = await startTracingFor(argv, process.env);
  const code = await runCli(argv);
  await tracing?.stop().catch(() => undefined);
  process.exitCode = code;
  // Anything still holding the event loop (a straggling timer) must not keep a finished command alive.
  setTimeout(() => process.exit(code), 2_000).unref();
};

const isEntry = (): boolean => {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
};

if (isEntry()) await main();
