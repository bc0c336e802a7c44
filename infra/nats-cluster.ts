/**
 * Starting a JetStream cluster of nats-servers on 127.0.0.1: each node on its own client and
 * route ports, store directory and server name, every node routed to every other. Used by
 * `fleet up --cluster N`, the chaos test and the cluster benchmark.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { findFreePort, NatsServerStartError, startNatsServer } from './nats-server.ts';
import type { NatsServerHandle } from './nats-server.ts';

/** Options of {@link startNatsCluster}. */
export interface StartNatsClusterOptions {
  /** How many servers (default 3). JetStream needs a majority of them up to elect leaders. */
  readonly size?: number;
  /** Node `i` keeps its store in `<dataDir>/n<i>` (kept); default a temp dir removed by `stop()`. */
  readonly dataDir?: string;
  /** The cluster's name (default `fleet`); also the prefix of each server's name. */
  readonly name?: string;
  /** Client ports of the nodes, in order (default free ones). */
  readonly ports?: readonly number[];
  /** See `StartNatsServerOptions.detached`. */
  readonly detached?: boolean;
  /** nats-server executable; default `nats-server` from PATH (plus /usr/sbin, /usr/local/sbin). */
  readonly command?: string;
  /** How long to wait for every node and a JetStream meta leader (default 30 s). */
  readonly startTimeoutMs?: number;
}

/** One server of a running cluster. */
export interface NatsClusterNode {
  readonly name: string;
  readonly url: string;
  readonly port: number;
  readonly clusterPort: number;
  readonly storeDir: string;
  /** The running server, undefined while the node is down. */
  readonly server: NatsServerHandle | undefined;
  /** Kills the node at once (SIGKILL, as a crash would), its store left as it was. */
  kill(): Promise<void>;
  /** Starts the node again on the same ports and store; resolves once it answers JetStream. */
  restart(): Promise<void>;
}

/** A running cluster. */
export interface NatsCluster {
  /** Every node's client URL, comma-separated: what `--nats` and `NATS_URL` take. */
  readonly url: string;
  readonly urls: readonly string[];
  readonly nodes: readonly NatsClusterNode[];
  /** Stops every node (and removes the temp store it made). Safe to call more than once. */
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';

/**
 * The nats-server arguments that make one node of a cluster: its name, the cluster's name, where
 * it listens for routes and every node's route URL (its own included). docker-compose.cluster.yml
 * passes the same ones (a test checks it).
 */
export const clusterArgs = (node: {
  readonly serverName: string;
  readonly clusterName: string;
  readonly listen: string;
  readonly routes: readonly string[];
}): string[] => [
  '--server_name',
  node.serverName,
  '--cluster_name',
  node.clusterName,
  '--cluster',
  node.listen,
  '--routes',
  node.routes.join(','),
];

/**
 * Resolves once a JetStream meta leader answers through `url`: account info is served by the
 * meta leader alone, so a cluster that has not elected one (or lost its majority) does not answer.
 *
 * @throws NatsServerStartError after `timeoutMs`.
 */
export const waitForMetaLeader = async (url: string, timeoutMs: number): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const nc = await connect({ servers: url.split(','), reconnect: false, timeout: 1_000 });
      try {
        await (await jetstreamManager(nc, { timeout: 1_000 })).getAccountInfo();
        return;
      } finally {
        await nc.close();
      }
    } catch (error) {
      last = error;
    }
    await sleep(100);
  }
  throw new NatsServerStartError(
    `the NATS cluster at ${url} has no JetStream meta leader after ${timeoutMs} ms ` +
      `(${last instanceof Error ? last.message : String(last)})`,
  );
};

/**
 * Starts `size` nats-servers with JetStream clustered on 127.0.0.1 and resolves once every node
 * answers JetStream, which takes a meta leader. Each node has its own client port, route port,
 * store directory and server name (`<name>-n<i>`), and routes to every node (itself included:
 * the server recognises and skips its own route).
 *
 * @throws NatsServerStartError when a node does not start (every started one is stopped).
 */
export const startNatsCluster = async (
  options: StartNatsClusterOptions = {},
): Promise<NatsCluster> => {
  const size = options.size ?? 3;
  if (!Number.isInteger(size) || size < 1)
    throw new NatsServerStartError(`a cluster needs 1 or more servers, not ${size}`);
  const name = options.name ?? 'fleet';
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'fleet-cluster-')));
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  // One at a time, each distinct: two probes at once may be handed the same free port.
  const taken = new Set<number>(options.ports ?? []);
  const freePort = async (): Promise<number> => {
    for (;;) {
      const port = await findFreePort();
      if (taken.has(port)) continue;
      taken.add(port);
      return port;
    }
  };
  const ports: number[] = [];
  const clusterPorts: number[] = [];
  for (let i = 0; i < size; i += 1) ports.push(options.ports?.[i] ?? (await freePort()));
  for (let i = 0; i < size; i += 1) clusterPorts.push(await freePort());
  const routes = clusterPorts.map((p) => `nats://${HOST}:${p}`);

  const nodes = ports.map((port, i) => {
    const clusterPort = clusterPorts[i] ?? 0;
    const storeDir = join(dataDir, `n${i + 1}`);
    const serverName = `${name}-n${i + 1}`;
    let server: NatsServerHandle | undefined;
    const start = async () => {
      await mkdir(storeDir, { recursive: true });
      server = await startNatsServer({
        port,
        storeDir,
        startTimeoutMs: timeoutMs,
        detached: options.detached ?? false,
        ...(options.command === undefined ? {} : { command: options.command }),
        args: clusterArgs({
          serverName,
          clusterName: name,
          listen: `nats://${HOST}:${clusterPort}`,
          routes,
        }),
      });
    };
    const node: NatsClusterNode & { start(): Promise<void>; stop(): Promise<void> } = {
      name: serverName,
      url: `nats://${HOST}:${port}`,
      port,
      clusterPort,
      storeDir,
      get server() {
        return server;
      },
      start,
      kill: async () => {
        const s = server;
        server = undefined;
        if (s === undefined) return;
        s.process.kill('SIGKILL');
        await s.stop();
      },
      restart: async () => {
        if (server === undefined) await start();
      },
      stop: async () => {
        const s = server;
        server = undefined;
        await s?.stop();
      },
    };
    return node;
  });

  const stopAll = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
  };
  // Started together: no node answers JetStream until a majority of them elected a leader.
  const started = await Promise.allSettled(nodes.map((n) => n.start()));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed !== undefined) {
    await stopAll();
    throw failed.reason;
  }
  const urls = nodes.map((n) => n.url);
  let stopping: Promise<void> | undefined;
  return { url: urls.join(','), urls, nodes, stop: () => (stopping ??= stopAll()) };
};
