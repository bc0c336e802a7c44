import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_HUD_PORT, OPERATOR_TOKEN_ENV } from '../cli/commands/hud.ts';
import { buildProgram } from '../cli/main.ts';

/**
 * No Docker engine runs here, so docker-compose.yml is checked statically against the real
 * CLI program: a typo in a command or an option, a missing NATS_URL or a dangling dependency
 * fails here instead of at `docker compose up`.
 */

interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string | number | null> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  volumes?: (string | { target?: string })[];
  ports?: (string | number | Port)[];
  healthcheck?: { test?: string | string[] };
}

const root = new URL('../', import.meta.url);
const compose = parse(readFileSync(new URL('docker-compose.yml', root), 'utf8'), {
  merge: true,
}) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
const services = Object.entries(compose.services);
const dockerfile = readFileSync(new URL('Dockerfile', root), 'utf8');

/** Splits a compose string command like a shell would for plain words and quotes. */
const words = (command: string | string[] | undefined): string[] =>
  command === undefined
    ? []
    : Array.isArray(command)
      ? command.map(String)
      : [...command.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');

/** A port mapping in compose's long syntax. */
interface Port {
  target?: number | string;
  published?: number | string;
  host_ip?: string;
}

/**
 * A service's port mappings in one shape. Short syntax is `[host_ip:][published:]target[/proto]`
 * (an IPv6 host address in brackets).
 */
const portsOf = (s: Service): { hostIp?: string; published?: string; target: string }[] =>
  (s.ports ?? []).map((p) => {
    if (typeof p === 'object')
      return {
        target: String(p.target ?? ''),
        ...(p.published === undefined ? {} : { published: String(p.published) }),
        ...(p.host_ip === undefined ? {} : { hostIp: p.host_ip }),
      };
    const text = String(p).replace(/\/(tcp|udp)$/, '');
    const m = /^(?:(\[[^\]]+\]|[^:]+):)??(?:([^:]+):)?([^:]+)$/.exec(text);
    if (m === null) throw new Error(`unreadable port mapping ${text}`);
    return {
      target: m[3] ?? '',
      ...(m[2] === undefined ? {} : { published: m[2] }),
      ...(m[1] === undefined ? {} : { hostIp: m[1] }),
    };
  });

/** The value following `flag` in a command line (`--flag v` or `--flag=v`). */
const flagValue = (argv: string[], flag: string): string | undefined => {
  const eq = argv.find((w) => w.startsWith(`${flag}=`));
  if (eq !== undefined) return eq.slice(flag.length + 1);
  const i = argv.indexOf(flag);
  return i < 0 ? undefined : argv[i + 1];
};

const envOf = (s: Service): Record<string, string> => {
  const env = s.environment ?? {};
  if (Array.isArray(env))
    return Object.fromEntries(
      env.map((kv) => {
        const i = kv.indexOf('=');
        return i < 0 ? [kv, ''] : [kv.slice(0, i), kv.slice(i + 1)];
      }),
    );
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v ?? '')]));
};

const dependsOn = (s: Service): string[] =>
  Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {});

/** Fleet services run the image built from the repository's Dockerfile. */
const buildsRepo = (s: Service) =>
  s.build === '.' ||
  (typeof s.build === 'object' &&
    (s.build.context ?? '.') === '.' &&
    (s.build.dockerfile ?? 'Dockerfile') === 'Dockerfile');
const fleetServices = services.filter(([, s]) => buildsRepo(s));
const natsServices = services.filter(([, s]) => s.image?.startsWith('nats:') === true);

/** The command a word list selects (`keys create` descends), and what is left after it. */
const resolve = (program: Command, argv: string[]) => {
  let cmd = program;
  let i = 0;
  const path: Command[] = [program];
  for (; i < argv.length; i += 1) {
    const word = argv[i] ?? '';
    const sub = cmd.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (sub === undefined) break;
    cmd = sub;
    path.push(sub);
  }
  return { cmd, path, rest: argv.slice(i) };
};

describe('docker-compose.yml', () => {
  const program = buildProgram();

  it('has a NATS service with JetStream on, its store on a volume', () => {
    expect(natsServices).toHaveLength(1);
    const [, nats] = natsServices[0] ?? ['', {}];
    const args = words(nats.command);
    expect(args.some((a) => a === '-js' || a === '--jetstream')).toBe(true);
    const sd = args[args.findIndex((a) => a === '-sd' || a === '--store_dir') + 1];
    expect(sd).toBeDefined();
    const targets = (nats.volumes ?? []).map((v) =>
      typeof v === 'string' ? v.split(':')[1] : v.target,
    );
    expect(targets).toContain(sd);
  });

  it('runs the registrar, a dispatcher and workers from the repository image', () => {
    const firsts = fleetServices.map(([, s]) => words(s.command)[0]);
    expect(firsts).toContain('registrar');
    expect(firsts).toContain('dispatcher');
    expect(firsts.filter((w) => w === 'worker').length).toBeGreaterThanOrEqual(2);
    // The image's entrypoint is the CLI, so a service's command is a `fleet` command line.
    expect(dockerfile).toMatch(/^FROM node:20-slim/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \[.*"fleet"\]/m);
    const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
      bin?: Record<string, string>;
    };
    expect(pkg.bin?.['fleet']).toBeDefined();
  });

  it.each(fleetServices)('%s runs an existing CLI command with known options', (_, service) => {
    const argv = words(service.command);
    const { cmd, path, rest } = resolve(program, argv);
    expect(cmd === program, `"${argv[0] ?? ''}" is not a fleet command`).toBe(false);
    // Options of the command and of its parents are all accepted where the command is.
    const known = new Set(
      path.flatMap((c) => c.options.flatMap((o) => [o.long, o.short])).filter(Boolean),
    );
    const given = rest.filter((w) => w.startsWith('-')).map((w) => w.split('=')[0]);
    for (const option of given) expect(known, `${cmd.name()} has no ${option}`).toContain(option);
    for (const o of cmd.options.filter((x) => x.mandatory))
      expect(given, `${cmd.name()} needs ${o.long ?? ''}`).toContain(o.long);
  });

  it('gives every Fleet service NATS_URL pointing at the NATS service', () => {
    const [natsName] = natsServices[0] ?? [''];
    for (const [name, s] of fleetServices)
      expect(envOf(s)['NATS_URL'], name).toBe(`nats://${natsName}:4222`);
  });

  it('has consistent dependencies: known services, NATS first, no cycles', () => {
    const names = new Set(Object.keys(compose.services));
    const [natsName, nats] = natsServices[0] ?? ['', {}];
    for (const [name, s] of services)
      for (const d of dependsOn(s)) {
        expect(names, `${name} depends on unknown ${d}`).toContain(d);
        expect(d, `${name} depends on itself`).not.toBe(name);
      }
    for (const [name, s] of fleetServices) {
      expect(dependsOn(s), name).toContain(natsName);
      // With a health check, Fleet services wait until JetStream answers, not just the process.
      if (nats.healthcheck !== undefined && !Array.isArray(s.depends_on))
        expect(s.depends_on?.[natsName]?.condition, name).toBe('service_healthy');
    }
    // Workers enroll with the registrar and claim from a dispatcher: both come up first.
    for (const [name, s] of fleetServices.filter(([, x]) => words(x.command)[0] === 'worker'))
      for (const first of ['registrar', 'dispatcher'])
        expect(
          fleetServices.some(([n, x]) => words(x.command)[0] === first && dependsOn(s).includes(n)),
          `${name} should depend on a ${first}`,
        ).toBe(true);
    const visiting = new Set<string>();
    const done = new Set<string>();
    const visit = (n: string): void => {
      if (done.has(n)) return;
      expect(visiting.has(n), `dependency cycle through ${n}`).toBe(false);
      visiting.add(n);
      for (const d of dependsOn(compose.services[n] ?? {})) visit(d);
      visiting.delete(n);
      done.add(n);
    };
    for (const n of names) visit(n);
  });

  it('publishes ports on the host loopback only: nothing here authenticates NATS clients', () => {
    for (const [name, s] of services)
      for (const p of portsOf(s).filter((x) => x.published !== undefined))
        expect(p.hostIp, `${name} publishes ${p.published ?? ''} beyond 127.0.0.1`).toBe(
          '127.0.0.1',
        );
  });

  describe('the HUD service', () => {
    const huds = fleetServices.filter(([, s]) => {
      const { cmd } = resolve(program, words(s.command));
      return cmd.name() === 'hud' && cmd.parent === program;
    });
    const [name, hud] = huds[0] ?? ['', {}];
    const argv = words(hud.command).slice(1);

    it('runs `fleet hud`, once, with options the command has', () => {
      expect(huds).toHaveLength(1);
      const hudCommand = program.commands.find((c) => c.name() === 'hud');
      expect(hudCommand).toBeDefined();
      const known = new Set(
        [...(hudCommand?.options ?? []), ...program.options].flatMap((o) => [o.long, o.short]),
      );
      const given = argv.filter((w) => w.startsWith('-')).map((w) => w.split('=')[0]);
      for (const option of given) expect(known, `hud has no ${option}`).toContain(option);
    });

    it('listens beyond the container loopback on the port it publishes', () => {
      // The HUD listens on 127.0.0.1 by default: in a container, no published port reaches that.
      expect(['0.0.0.0', '::']).toContain(flagValue(argv, '--host'));
      const port = flagValue(argv, '--port') ?? String(DEFAULT_HUD_PORT);
      expect(Number(port)).toBeGreaterThan(0);
      const mapping = portsOf(hud).find((p) => p.target === port);
      expect(mapping, `${name} does not publish its port ${port}`).toBeDefined();
      expect(mapping?.published).toMatch(/^\d+$/);
    });

    it('reads NATS from the NATS service, after it is healthy', () => {
      const [natsName, nats] = natsServices[0] ?? ['', {}];
      expect(envOf(hud)['NATS_URL']).toBe(`nats://${natsName}:4222`);
      expect(dependsOn(hud)).toContain(natsName);
      if (nats.healthcheck !== undefined && !Array.isArray(hud.depends_on))
        expect(hud.depends_on?.[natsName]?.condition).toBe('service_healthy');
    });

    it('takes its operator token from the environment, never from the file', () => {
      expect(argv).not.toContain('--operator-token');
      expect(argv.some((w) => w.startsWith('--operator-token='))).toBe(false);
      expect(argv.some((w) => w.startsWith('--project-token'))).toBe(false);
      // `${VAR}`, `${VAR:-}` or `${VAR:?message}`: a variable, with no default token written here.
      expect(envOf(hud)[OPERATOR_TOKEN_ENV]).toMatch(
        new RegExp(`^\\$\\{${OPERATOR_TOKEN_ENV}(:?-|:?\\?[^}]*)?\\}$`),
      );
    });
  });

  it('keeps enrollment keys out of the file: each worker gets one from the environment', () => {
    const fromEnv = /^\$\{FLEET_KEY_[A-Z0-9_]+(:-[^}]*)?\}$/;
    const workers = fleetServices.filter(([, s]) => words(s.command)[0] === 'worker');
    for (const [name, s] of workers) {
      const argv = words(s.command);
      const flag = argv.indexOf('--key');
      const key = flag < 0 ? envOf(s)['FLEET_KEY'] : argv[flag + 1];
      expect(key, `${name} has no key`).toMatch(fromEnv);
    }
    expect(new Set(workers.map(([, s]) => envOf(s)['FLEET_KEY'])).size).toBe(workers.length);
    expect(JSON.stringify(compose)).not.toMatch(/fk_[A-Za-z0-9]/);
  });
});
