import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildProgram } from '../cli/main.ts';
import { clusterArgs } from '../infra/index.ts';

/**
 * No Docker engine runs here, so docker-compose.cluster.yml is checked statically: its servers
 * are clustered as infra/nats-cluster.ts clusters them, every Fleet service runs a real command
 * with known options on every server's URL, and the pool has a standby dispatcher.
 */

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition?: string }>;
  volumes?: string[];
  ports?: string[];
}

const compose = parse(
  readFileSync(new URL('../docker-compose.cluster.yml', import.meta.url), 'utf8'),
  { merge: true },
) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
const services = Object.entries(compose.services);
const nats = services.filter(([, s]) => s.image?.startsWith('nats:') === true);
const fleet = services.filter(([, s]) => s.build === '.');
const argsOf = (s: Service) => (s.command ?? []).map(String);
const flag = (argv: string[], name: string) => argv[argv.indexOf(name) + 1];

/** The command a word list selects, the commands on its path, and what is left after it. */
const resolve = (program: Command, argv: string[]) => {
  let cmd = program;
  const path: Command[] = [program];
  let i = 0;
  for (; i < argv.length; i += 1) {
    const sub = cmd.commands.find((c) => c.name() === argv[i]);
    if (sub === undefined) break;
    cmd = sub;
    path.push(sub);
  }
  return { cmd, path, rest: argv.slice(i) };
};

describe('docker-compose.cluster.yml', () => {
  it('clusters three JetStream servers as the infra launcher does, each store on its own volume', () => {
    expect(nats).toHaveLength(3);
    const routes = nats.map(([name]) => `nats://${name}:6222`);
    const stores = new Set<string>();
    for (const [name, s] of nats) {
      const argv = argsOf(s);
      expect(argv.slice(0, 2)).toEqual(['-js', '-sd']);
      const cluster = argv.slice(argv.indexOf('--server_name'));
      expect(cluster).toEqual(
        clusterArgs({
          serverName: name,
          clusterName: 'fleet',
          listen: 'nats://0.0.0.0:6222',
          routes,
        }),
      );
      const volume = (s.volumes ?? []).find((v) => v.endsWith(`:${flag(argv, '-sd') ?? ''}`));
      expect(volume, `${name} keeps its store on a volume`).toBeDefined();
      stores.add(volume?.split(':')[0] ?? '');
    }
    expect(stores.size).toBe(3);
  });

  it('runs Fleet services on every server’s URL, after all three are healthy', () => {
    const urls = nats.map(([name]) => `nats://${name}:4222`).join(',');
    for (const [name, s] of fleet) {
      expect(s.environment?.['NATS_URL'], name).toBe(urls);
      for (const [server] of nats)
        expect(s.depends_on?.[server]?.condition, `${name} after ${server}`).toBe(
          'service_healthy',
        );
    }
  });

  it.each(fleet)('%s runs an existing CLI command with known options', (_, service) => {
    const { cmd, path, rest } = resolve(buildProgram(), argsOf(service));
    expect(cmd.parent, `"${argsOf(service)[0] ?? ''}" is not a fleet command`).not.toBeNull();
    const known = new Set(path.flatMap((c) => c.options.flatMap((o) => [o.long, o.short])));
    for (const option of rest.filter((w) => w.startsWith('-')))
      expect(known, `${cmd.name()} has no ${option}`).toContain(option);
  });

  it('keeps the stream on three replicas, and a standby dispatcher for the pool', () => {
    const byCommand = (word: string) => fleet.filter(([, s]) => argsOf(s)[0] === word);
    for (const [name, s] of [...byCommand('registrar'), ...byCommand('dispatcher')])
      expect(flag(argsOf(s), '--replicas'), name).toBe('3');
    const pools = byCommand('dispatcher').map(([, s]) => flag(argsOf(s), '--pool'));
    expect(pools).toEqual(['default', 'default']);
  });

  it('publishes ports on the host loopback only', () => {
    for (const [name, s] of services)
      for (const p of s.ports ?? []) expect(p, name).toMatch(/^127\.0\.0\.1:/);
  });
});
