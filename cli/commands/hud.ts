import type { Command } from 'commander';
import type { EventLog } from '../../log/index.ts';
import { InvalidInputError } from '../../client/invalid-input-error.ts';
import type { ProjectId } from '../../events/index.ts';
import { isName } from '../../events/names.ts';
import type { Hud, HudTokens } from '../../hud/index.ts';
import { projectionsProgressLine } from '../bounded-read.ts';
import type { CliContext } from '../cli-context.ts';
import { errorMessage } from '../error-message.ts';
import { collect, parseInteger } from '../parse-options.ts';
import { stopSignals } from '../stop-signals.ts';

/** The HUD's port when none is given. */
export const DEFAULT_HUD_PORT = 7480;

/** The environment variable holding an operator token (safer than a flag, which `ps` shows). */
export const OPERATOR_TOKEN_ENV = 'FLEET_HUD_OPERATOR_TOKEN';

interface TokenFlags {
  readonly operatorToken?: readonly string[];
  readonly projectToken?: readonly string[];
}

/**
 * The HUD's tokens from `--operator-token`, `--project-token P=TOKEN` and
 * `FLEET_HUD_OPERATOR_TOKEN`. When none is given an operator token is generated and returned
 * as `generated`, to be shown once.
 */
export const hudTokens = (
  flags: TokenFlags,
  env: Readonly<Record<string, string | undefined>>,
): { tokens: HudTokens; generated: string | undefined } => {
  const operator = [...(flags.operatorToken ?? [])];
  const fromEnv = env[OPERATOR_TOKEN_ENV];
  if (fromEnv !== undefined && fromEnv !== '') operator.push(fromEnv);
  const projects: Record<string, ProjectId> = {};
  for (const text of flags.projectToken ?? []) {
    const eq = text.indexOf('=');
    const project = text.slice(0, Math.max(0, eq)).trim();
    const token = text.slice(eq + 1).trim();
    // The message names the project only: the token is a secret.
    if (eq <= 0 || !isName(project) || token.length < 16)
      throw new InvalidInputError(
        '--project-token',
        '--project-token: write <project>=<token>, a valid project name and a token of at ' +
          'least 16 characters',
      );
    projects[token] = project as ProjectId;
  }
  for (const token of operator)
    if (token.length < 16 || token in projects)
      throw new InvalidInputError(
        '--operator-token',
        'an operator token must have at least 16 characters and differ from every project token',
      );
  if (operator.length > 0 || Object.keys(projects).length > 0)
    return { tokens: { operator, projects }, generated: undefined };
  // The global Web Crypto, not node:crypto, which would cost every `fleet --help` its load.
  const generated = Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString('base64url');
  return { tokens: { operator: [generated], projects }, generated };
};

/** A HUD started by a command, with the projections it reads. */
export interface HudService {
  readonly hud: Hud;
  stop(): Promise<void>;
}

/**
 * Starts the projections on `log` and the HUD over them, and says where it is: with the token
 * when it was generated (the one time it is shown), without one otherwise.
 */
export const startHudService = async (
  ctx: CliContext,
  log: EventLog,
  options: {
    readonly tokens: HudTokens;
    readonly generated: string | undefined;
    readonly port: number | undefined;
    readonly host: string;
    /** False: no checkpoints (a reader without the deployment's bucket; see readerCheckpoints). */
    readonly checkpoints?: false;
  },
): Promise<HudService> => {
  const { startHud } = await import('../../hud/index.ts');
  const { cancelTask } = await import('../../client/cancel-task.ts');
  const { drainWorker } = await import('../drain-worker.ts');
  const { revokeWorker } = await import('../revoke-worker.ts');
  const { redriveDeadLetter } = await import('../redrive-dead-letter.ts');
  const { storeLimit, clearLimit } = await import('../store-limit.ts');
  const { readTasks } = await import('../read-tasks.ts');
  const { startProjections } = await import('../../projections/index.ts');
  const projections = await startProjections({
    log,
    ...(options.checkpoints === false ? { checkpoints: false } : {}),
    onProgress: (p) => {
      ctx.warn(projectionsProgressLine(p));
    },
  });
  let hud: Hud;
  try {
    hud = await startHud({
      projections,
      tokens: options.tokens,
      host: options.host,
      port: options.port ?? DEFAULT_HUD_PORT,
      portFallback: options.port === undefined,
      // An operator's action from the page is the event the CLI's own command stores.
      actions: {
        cancel: (ref) => cancelTask(log.nc, ref, { root: log.subjects.root }),
        redrive: (ref) => redriveDeadLetter(log, ref),
        drain: (ref) => drainWorker(log, ref),
        revoke: (ref) => revokeWorker(log, ref),
        setLimit: (ref) => storeLimit(log, ref),
        clearLimit: (ref) => clearLimit(log, ref),
      },
      // The page's task list is `fleet tasks`'s read: each pool's own rule over the log.
      tasks: (query) => readTasks(log, query),
      onError: (e) => {
        ctx.warn(`hud: ${errorMessage(e)}`);
      },
    });
  } catch (error) {
    await projections.stop();
    throw error;
  }
  if (options.generated === undefined) ctx.print(`HUD at ${hud.url} (pass a token: ?token=…)`);
  else {
    ctx.print(`HUD at ${hud.url}?token=${options.generated}`);
    ctx.print(
      `  (a generated operator token, shown once; set ${OPERATOR_TOKEN_ENV} to choose one)`,
    );
  }
  return {
    hud,
    stop: async () => {
      await hud.stop();
      await projections.stop();
    },
  };
};

interface HudFlags extends TokenFlags {
  readonly port?: string;
  readonly host: string;
}

/** `fleet hud`: the mission-control page, its JSON and event stream, and Prometheus metrics. */
export const registerHud = (program: Command, ctx: CliContext): void => {
  program
    .command('hud')
    .description(
      'serve the mission-control HUD (page, /api/snapshot, /api/history, /api/events, /metrics) until ' +
        'SIGINT or SIGTERM; every request needs a token',
    )
    .option('--port <port>', `port to listen on (default ${DEFAULT_HUD_PORT}, else a free one)`)
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option(
      '--operator-token <token>',
      `a token that sees the whole fleet (repeatable; prefer $${OPERATOR_TOKEN_ENV})`,
      collect,
    )
    .option(
      '--project-token <project=token>',
      'a token that sees only that project (repeatable)',
      collect,
    )
    .action(async (o: HudFlags, cmd: Command) => {
      const port =
        o.port === undefined ? undefined : parseInteger(o.port, '--port', { min: 0, max: 65535 });
      const { tokens, generated } = hudTokens(o, ctx.io.env);
      const g = ctx.globals(cmd);
      const signals = stopSignals(ctx.io);
      const nc = await ctx.connect(g.nats, { longLived: true, name: 'fleet-hud' });
      let service: HudService | undefined;
      try {
        const log = await ctx.openLog(nc, g);
        const { readerCheckpoints } = await import('../reader-checkpoints.ts');
        service = await startHudService(ctx, log, {
          tokens,
          generated,
          port,
          host: o.host,
          ...(await readerCheckpoints(log)),
        });
        ctx.print(`  reading ${g.nats} (stream ${g.stream}, root ${g.root})`);
        const name = await signals.first;
        ctx.print(`${name}: stopping the HUD`);
      } finally {
        signals.dispose();
        await service?.stop().catch((e: unknown) => ctx.warn(errorMessage(e)));
        await nc.drain().catch(() => undefined);
      }
    });
};
