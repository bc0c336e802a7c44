import { join, resolve } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Command } from 'commander';
import type { Dispatcher } from '../../actors/dispatcher/dispatcher.ts';
import type { Gateway } from '../../actors/gateway/index.ts';
import type { Registrar } from '../../actors/registrar/index.ts';
import { DEFAULT_NATS_URL } from '../cli-context.ts';
import type { CliContext } from '../cli-context.ts';
import { errorMessage } from '../error-message.ts';
import { collect, parseInteger, parseList } from '../parse-options.ts';
import { InvalidInputError } from '../../events/errors.ts';
import type { startNatsCluster } from '../../infra/nats-cluster.ts';
import { stopSignals } from '../stop-signals.ts';
import { healLine } from '../../log/heal-line.ts';
import { contextFile, removeContext, writeContext } from '../fleet-context.ts';
import type { FleetContext } from '../fleet-context.ts';
import { Readiness, startHealthServer } from '../health-server.ts';
import { parseDuration } from '../parse-duration.ts';
import { hudTokens, startHudService } from './hud.ts';
import type { HudService } from './hud.ts';

/**
 * Writes the context of a running `fleet up` where the other commands look for it (see
 * `contextFile`); returns the file, or undefined when there is nowhere to write (no `HOME`).
 */
const writeUpContext = (ctx: CliContext, context: FleetContext): string | undefined => {
  const file = contextFile(ctx.io.env);
  if (file === undefined) return undefined;
  try {
    writeContext(file, context);
    return file;
  } catch (e) {
    ctx.warn(`cannot write the context ${file}: ${errorMessage(e)}; pass --nats to commands`);
    return undefined;
  }
};

type UpOptions = {
  pools?: string[];
  dataDir: string;
  hud: boolean;
  hudPort?: string;
  secure?: boolean;
  workerTtl: string;
  healthPort?: string;
  cluster?: string;
  replicas?: string;
  maxAge?: string;
  maxBytes?: string;
};

/** Starts `size` clustered nats-servers under `<dataDir>/cluster`, as `fleet up` uses NATS. */
const startCluster = async (
  ctx: CliContext,
  start: typeof startNatsCluster,
  size: number,
  dataDir: string,
) => {
  const storeDir = join(resolve(dataDir), 'cluster');
  // Ctrl-C reaches only this process, which then stops its actors before the servers.
  const cluster = await start({ size, dataDir: storeDir, detached: true });
  for (const n of cluster.nodes)
    ctx.warn(`nats: cluster node ${n.name} at ${n.url}, JetStream data in ${n.storeDir}`);
  return { url: cluster.url, embedded: true, stop: () => cluster.stop() };
};

/** `--max-age` and `--max-bytes`: the stream's limits, absent when neither is given. */
const streamLimitsOption = (o: UpOptions) => {
  if (o.maxAge === undefined && o.maxBytes === undefined) return undefined;
  const maxAgeMs = o.maxAge === undefined ? undefined : parseDuration(o.maxAge, '--max-age');
  if (maxAgeMs !== undefined && maxAgeMs < 1_000)
    throw new InvalidInputError('--max-age', `--max-age "${o.maxAge}" must be 1s or more`);
  return {
    ...(maxAgeMs === undefined ? {} : { maxAgeMs }),
    ...(o.maxBytes === undefined
      ? {}
      : { maxBytes: parseInteger(o.maxBytes, '--max-bytes', { min: 1_048_576 }) }),
  };
};

/** `fleet up`: NATS (embedded unless given), the stream, the registrar and pool dispatchers. */
export const registerUp = (program: Command, ctx: CliContext): void => {
  program
    .command('up')
    .description(
      'run a whole fleet control plane: NATS (embedded unless --nats or NATS_URL), the stream, ' +
        'the registrar and one dispatcher per pool, until SIGINT or SIGTERM',
    )
    .option('--pools <a,b>', 'pools to dispatch (repeatable; default: "default")', collect)
    .option('--data-dir <dir>', 'where an embedded NATS server keeps its data', '.fleet')
    .option('--hud-port <port>', 'port of the HUD (default 7480, else a free one)')
    .option('--no-hud', 'do not serve the HUD (token: $FLEET_HUD_OPERATOR_TOKEN, else generated)')
    .option(
      '--secure',
      'NATS JWT auth (keys in <data-dir>/auth, made on first run): every service and worker on ' +
        'credentials scoped to its own subjects',
    )
    .option('--worker-ttl <duration>', 'lifetime of workers’ credentials, with --secure', '1h')
    .option(
      '--cluster <n>',
      'run n nats-servers clustered on 127.0.0.1 (stores in <data-dir>/cluster) instead of one',
    )
    .option(
      '--replicas <n>',
      'servers holding the stream and buckets (default: the --cluster size, else 1)',
    )
    .option(
      '--health-port <port>',
      'serve GET /healthz on 127.0.0.1:<port>: 200 once every dispatcher is ready, 503 before',
    )
    .option(
      '--max-age <duration>',
      'the stream removes messages older than this (default: none, it keeps everything)',
    )
    .option(
      '--max-bytes <n>',
      'past this many bytes the stream removes its oldest messages (default: none)',
    )
    .action(async (o: UpOptions, cmd: Command) => {
      const { startGateway } = await import('../../actors/gateway/index.ts');
      const { EventLog } = await import('../../log/index.ts');
      const { startRegistrar } = await import('../../actors/registrar/index.ts');
      const { ensureNats } = await import('../../infra/embedded-nats.ts');
      const { startNatsCluster } = await import('../../infra/nats-cluster.ts');
      const { prepareSecure } = await import('../../security/secure-setup.ts');
      const { poolName, startPoolDispatcher } = await import('../start-pool-dispatcher.ts');
      const { serviceLogger } = await import('../service-logger.ts');
      const logger = serviceLogger(ctx, 'up');
      const names = parseList(o.pools);
      const pools = (names.length === 0 ? ['default'] : names).map((p) => poolName(p, '--pools'));
      const g = ctx.globals(cmd);
      const deployment = { root: g.root, stream: g.stream };
      const limits = streamLimitsOption(o);
      const secure =
        o.secure === true
          ? await prepareSecure(o.dataDir, deployment, {
              workerTtlMs: parseDuration(o.workerTtl, '--worker-ttl'),
              ...(limits === undefined ? {} : { limits }),
            })
          : undefined;
      const clusterSize =
        o.cluster === undefined ? undefined : parseInteger(o.cluster, '--cluster', { min: 1 });
      const replicas =
        o.replicas === undefined
          ? clusterSize
          : parseInteger(o.replicas, '--replicas', { min: 1, max: 5 });
      if (clusterSize !== undefined && (secure !== undefined || g.natsGiven !== undefined))
        throw new InvalidInputError(
          '--cluster',
          '--cluster starts its own servers: not with --secure, --nats or NATS_URL',
        );
      const signals = stopSignals(ctx.io);
      const nats =
        clusterSize === undefined
          ? await ensureNats({
              ...secure?.nats,
              url: g.natsGiven ?? '',
              dataDir: o.dataDir,
              // Ctrl-C reaches only this process, which then stops its actors before the server.
              detached: true,
              log: (line) => {
                logger.info(line);
              },
            })
          : await startCluster(ctx, startNatsCluster, clusterSize, o.dataDir);
      let nc: NatsConnection | undefined;
      let registrar: Registrar | undefined;
      const dispatchers: Dispatcher[] = [];
      let hud: HudService | undefined;
      let contextAt: string | undefined;
      let gateway: Gateway | undefined;
      const readiness = new Readiness();
      let health: Awaited<ReturnType<typeof startHealthServer>> | undefined;
      try {
        if (o.healthPort !== undefined) {
          health = await startHealthServer(
            readiness,
            parseInteger(o.healthPort, '--health-port', { min: 0, max: 65535 }),
          );
          ctx.print(`health: http://127.0.0.1:${health.port}/healthz`);
        }
        // Secure: each service on its own connection and credentials (see security/), none of
        // which may create or change the stream: the operator's does that first.
        await secure?.provision(nats.url);
        nc = await (secure?.connect(nats.url, 'registrar') ??
          ctx.connect(nats.url, { longLived: true, name: 'fleet-up' }));
        const log = await EventLog.open(nc, {
          ...deployment,
          ...(limits === undefined ? {} : { limits }),
          read: { onHeal: (h) => logger.warn({ ...h }, healLine(h)) },
          ...(replicas === undefined ? {} : { replicas }),
        });
        registrar = await startRegistrar({
          log,
          onError: (e) => {
            logger.error({ component: 'registrar' }, `registrar: ${errorMessage(e)}`);
          },
          ...(secure === undefined
            ? {}
            : {
                credentials: await secure.issuer(nats.url),
                // Enrollments are answered on the shared enrollment user's inbox alone.
                enrollPublicKey: (await secure.auth.serviceCreds('enroll', deployment)).publicKey,
              }),
          onRefused: (r) => {
            logger.warn(
              { component: 'registrar', detail: r.detail },
              `registrar: refused to answer a${r.renewal ? ' renewal' : 'n enrollment'} request: ${r.detail}`,
            );
          },
        });
        const serviceLog = async (role: 'dispatcher' | 'hud') =>
          secure === undefined
            ? log
            : EventLog.open(await secure.connect(nats.url, role), deployment);
        // Secure: untrusted users store through the gateway, which answers their own inboxes.
        gateway =
          secure === undefined
            ? undefined
            : startGateway({
                nc: await secure.connect(nats.url, 'gateway'),
                root: g.root,
                onRefused: (r) => {
                  logger.warn(
                    { component: 'gateway', subject: r.subject, detail: r.detail },
                    `gateway: refused a store request on ${r.subject}: ${r.detail}`,
                  );
                },
                onError: (e) => {
                  logger.error({ component: 'gateway' }, `gateway: ${errorMessage(e)}`);
                },
              });
        const dispatcherLog = await serviceLog('dispatcher');
        for (const pool of pools)
          dispatchers.push(await startPoolDispatcher(ctx, dispatcherLog, pool, {}, readiness));
        // Where the other commands find this fleet; removed when it stops.
        const written = writeUpContext(ctx, {
          url: nats.url,
          ...(secure === undefined ? {} : { creds: resolve(secure.auth.credsPath('admin')) }),
          dataDir: resolve(o.dataDir),
          root: g.root,
          stream: g.stream,
          pid: process.pid,
        });
        contextAt = written;
        ctx.print(`fleet is up on ${nats.url}${nats.embedded ? ' (embedded NATS)' : ''}`);
        if (written !== undefined) ctx.print(`  context: ${written} (what other commands use)`);
        ctx.print(
          `  stream ${g.stream}, subjects ${g.root}.>, ${log.replicas} replica${log.replicas === 1 ? '' : 's'}`,
        );
        ctx.print('  registrar: enrolling workers');
        ctx.print(`  dispatchers: ${pools.join(', ')}`);
        for (const line of secure?.describe() ?? []) ctx.print(`  ${line}`);
        if (secure !== undefined && !nats.embedded)
          ctx.warn(
            `--secure: the NATS server at ${nats.url} must run with ${secure.nats.args.join(' ')}`,
          );
        const hudPort = o.hudPort ?? '';
        if (o.hud)
          hud = await startHudService(ctx, await serviceLog('hud'), {
            ...hudTokens({}, ctx.io.env),
            port:
              hudPort === ''
                ? undefined
                : parseInteger(hudPort, '--hud-port', { min: 0, max: 65535 }),
            host: '127.0.0.1',
          });
        const flag =
          written !== undefined
            ? ''
            : (nats.url === DEFAULT_NATS_URL ? '' : `--nats ${nats.url} `) +
              (secure === undefined ? '' : `--creds ${secure.auth.credsPath('admin')} `);
        ctx.print(
          `next: fleet ${flag}keys create --project <project> --pool ${pools[0] ?? 'default'}`,
        );
        // An actor that gave up (its log diverged) takes the fleet down, non-zero.
        const outcome = await Promise.race([
          signals.first,
          registrar.host.failed,
          ...dispatchers.map((d) => d.failed),
        ]);
        if (outcome instanceof Error) throw outcome;
        ctx.print(`${outcome}: stopping`);
      } finally {
        if (contextAt !== undefined) removeContext(contextAt, process.pid);
        signals.dispose();
        await health?.stop();
        const failedStop = (e: unknown) => {
          logger.error(errorMessage(e));
        };
        await hud?.stop().catch(failedStop);
        for (const d of dispatchers) await d.stop().catch(failedStop);
        await registrar?.stop().catch(failedStop);
        await gateway?.stop().catch(failedStop);
        await nc?.drain().catch(() => undefined);
        await secure?.close();
        await nats.stop();
      }
      ctx.print('stopped');
    });
};
