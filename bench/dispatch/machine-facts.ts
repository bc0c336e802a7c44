import { readFileSync } from 'node:fs';
import { cpus, loadavg, platform, arch } from 'node:os';
import { connect } from '@nats-io/transport-node';
import { Redis } from 'ioredis';

/** What the numbers were measured on. */
export interface MachineFacts {
  readonly cpu: string;
  readonly cores: number;
  readonly node: string;
  readonly os: string;
  readonly nats: string;
  readonly redis: string;
  readonly bullmq: string;
  /** 1-minute load average when asked: other work on the box skews every number. */
  readonly load: number;
}

const bullmqVersion = (): string => {
  try {
    const pkg = JSON.parse(
      readFileSync(new URL('../../node_modules/bullmq/package.json', import.meta.url), 'utf8'),
    ) as { version?: unknown };
    return String(pkg.version);
  } catch {
    return 'unknown';
  }
};

/** The redis-server version at `host:port`, or undefined when it does not answer. */
export const redisVersion = async (host: string, port: number): Promise<string | undefined> => {
  const redis = new Redis({
    host,
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const info = await redis.info('server');
    return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  } catch {
    return undefined;
  } finally {
    redis.disconnect();
  }
};

/** CPU, cores, runtimes and server versions, and the load average now. */
export const machineFacts = async (
  natsUrl: string,
  redis: string | undefined,
): Promise<MachineFacts> => {
  const nc = await connect({ servers: natsUrl });
  const nats = nc.info?.version ?? 'unknown';
  await nc.close();
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    node: process.version,
    os: `${platform()}/${arch()}`,
    nats,
    redis: redis ?? 'not reachable',
    bullmq: bullmqVersion(),
    load: loadavg()[0] ?? Number.NaN,
  };
};
