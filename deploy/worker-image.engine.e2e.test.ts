import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import { pack } from 'tar-stream';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { P, POOL } from '../test/support/builders.ts';
import { cliFixture } from '../test/support/cli-fixture.ts';
import type { CliFixture } from '../test/support/cli-fixture.ts';
import { dockerAt } from '../test/harness/test-image.ts';

// The worker image of deploy/worker.Dockerfile, built for real on the container tier's engine
// and run: a worker from the packed package that enrolls with its key, answers its probes,
// runs a task and drains on SIGTERM. No registry: the base image is imported from a root file
// system made of this machine's `node`, its libraries and busybox-static, and given to the
// Dockerfile as NODE_IMAGE (node:20-slim elsewhere).

const exec = promisify(execFile);
const docker = dockerAt(inject('dockerHost'));
const repo = fileURLToPath(new URL('..', import.meta.url));
const IMAGE = 'fleet-worker-test';
const maxBuffer = 16 * 1024 * 1024;

let work = '';
let cli: CliFixture | undefined;
let container: Docker.Container | undefined;

/** Reads an engine's progress stream to its end; an error line in it fails. */
const followed = async (what: string, stream: NodeJS.ReadableStream): Promise<string> => {
  let text = '';
  for await (const chunk of stream as AsyncIterable<Buffer>) text += chunk.toString('utf8');
  const error = /"error(?:Detail)?"\s*:\s*(?:\{"message"\s*:\s*)?"([^"]*)"/.exec(text)?.[1];
  if (error !== undefined) throw new Error(`${what}: ${error}\n${text}`);
  return text;
};

/**
 * The base image: this machine's node with the libraries it links, and busybox-static as
 * /bin/sh and a few tools for `--exec` commands. Named after the node version; made once.
 */
const nodeBaseImage = async (): Promise<string> => {
  // The version in the name, not the tag: Podman's import endpoint tags every image `latest`.
  const name = `fleet-test-node-${process.version.slice(1)}`;
  /** The name the engine lists it under (Podman prefixes docker.io/library/), if it has it. */
  const listed = async () => {
    const found = await docker.listImages({ filters: JSON.stringify({ reference: [name] }) });
    return found[0]?.RepoTags?.find((t) => t.endsWith(`${name}:latest`));
  };
  const had = await listed();
  if (had !== undefined) return had;
  const { stdout } = await exec('ldd', [process.execPath]);
  const libraries = [...stdout.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)].map((m) => m[1] ?? '');
  const root = pack();
  const dirs = new Set<string>();
  const addFile = async (path: string, mode = 0o755) => {
    const parts = path.split('/').filter((p) => p !== '');
    for (let i = 1; i < parts.length; i += 1) {
      const dir = parts.slice(0, i).join('/');
      if (!dirs.has(dir)) root.entry({ name: dir, type: 'directory', mode: 0o755 });
      dirs.add(dir);
    }
    root.entry({ name: parts.join('/'), mode }, await readFile(path));
  };
  root.entry({ name: 'tmp', type: 'directory', mode: 0o1777 });
  await addFile(process.execPath);
  for (const library of libraries) await addFile(library);
  await addFile('/bin/busybox');
  for (const applet of ['sh', 'cat', 'echo', 'sleep', 'env', 'true'])
    root.entry({ name: `bin/${applet}`, type: 'symlink', linkname: 'busybox' });
  root.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of root as AsyncIterable<Buffer>) chunks.push(chunk);
  await followed(
    'import of the node base image',
    await docker.importImage(Readable.from([Buffer.concat(chunks)]), { repo: name, tag: 'latest' }),
  );
  const made = await listed();
  if (made === undefined) throw new Error(`the engine did not list ${name} after importing it`);
  return made;
};

/**
 * The package as `npm pack` makes it, packed from a copy of this checkout's files (tracked and
 * new, not ignored; node_modules linked): the pack rebuilds dist/ in the copy, never under the
 * feet of the tests running from the checkout.
 */
const packedPackage = async (): Promise<string> => {
  const copy = join(work, 'checkout');
  const { stdout } = await exec(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    { cwd: repo, maxBuffer },
  );
  for (const file of stdout.split('\0').filter((f) => f !== '' && existsSync(join(repo, f)))) {
    await mkdir(dirname(join(copy, file)), { recursive: true });
    await copyFile(join(repo, file), join(copy, file));
  }
  await symlink(join(repo, 'node_modules'), join(copy, 'node_modules'), 'dir');
  const packed = join(work, 'packed');
  await mkdir(packed);
  await exec('npm', ['pack', '--pack-destination', packed], { cwd: copy, maxBuffer });
  const [tarball] = await readdir(packed);
  if (tarball === undefined) throw new Error('npm pack made no tarball');
  return join(packed, tarball);
};

/** A TCP port free on 127.0.0.1 now. */
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        resolve(typeof address === 'object' && address !== null ? address.port : 0);
      });
    });
  });

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'fleet-image-'));
  const [tarball, base] = await Promise.all([packedPackage(), nodeBaseImage()]);
  // The build context: the package installed as a user installs it, and the Dockerfile.
  const context = join(work, 'context');
  await mkdir(context);
  await writeFile(
    join(context, 'package.json'),
    JSON.stringify({ name: 'fleet-worker-image', private: true }),
  );
  await exec(
    'npm',
    ['install', tarball, '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund'],
    { cwd: context, maxBuffer },
  );
  await copyFile(join(repo, 'deploy', 'worker.Dockerfile'), join(context, 'Dockerfile'));
  await followed(
    'build of deploy/worker.Dockerfile',
    await docker.buildImage(
      { context, src: ['Dockerfile', 'node_modules'] },
      { t: IMAGE, buildargs: { NODE_IMAGE: base }, rm: true },
    ),
  );
}, 600_000);

afterEach(async () => {
  await container?.remove({ force: true }).catch(() => undefined);
  container = undefined;
  await cli?.close();
  cli = undefined;
});

afterAll(async () => {
  // The base image stays for the next run; the worker image is rebuilt each time.
  await docker
    .getImage(IMAGE)
    .remove({ force: true })
    .catch(() => undefined);
  if (work !== '') await rm(work, { recursive: true, force: true });
});

/** The container's output so far (stdout and stderr, demultiplexed). */
const logsOf = async (c: Docker.Container): Promise<string> => {
  const raw = await c.logs({ stdout: true, stderr: true, follow: false });
  const out: string[] = [];
  // The engine frames each chunk: 8 bytes (stream, 0, 0, 0, size) then the payload.
  for (let at = 0; at + 8 <= raw.length;) {
    const size = raw.readUInt32BE(at + 4);
    out.push(raw.subarray(at + 8, at + 8 + size).toString('utf8'));
    at += 8 + size;
  }
  return out.join('');
};

describe('the worker image', { timeout: 120_000 }, () => {
  it('runs `fleet worker` from the packed package as a non-root user', async () => {
    const image = await docker.getImage(IMAGE).inspect();
    expect(image.Config.User).toBe('1000:1000');
    expect(image.Config.Entrypoint).toEqual([
      'node',
      '/opt/fleet/node_modules/fleet/bin/fleet.mjs',
      'worker',
    ]);
    expect(image.Config.ExposedPorts).toHaveProperty(['8080/tcp']);
  });

  it('enrolls with its key, answers its probes, runs a task and drains on SIGTERM', async () => {
    cli = await cliFixture();
    await cli.startPool();
    const token = await cli.createKey();
    const port = await freePort();
    container = await docker.createContainer({
      Image: IMAGE,
      Cmd: [
        '--nats',
        inject('natsUrl'),
        '--root',
        cli.f.log.subjects.root,
        '--stream',
        cli.f.log.stream,
        '--heartbeat',
        '200ms',
        '--health-port',
        String(port),
        '--health-host',
        '127.0.0.1',
        '--drain-timeout',
        '30s',
        '--exec',
        'cat',
      ],
      Env: [`FLEET_KEY=${token}`],
      HostConfig: {
        // The harness's nats-server listens on the host's 127.0.0.1.
        NetworkMode: 'host',
        Ulimits: [
          { Name: 'nofile', Soft: 1024, Hard: 1024 },
          { Name: 'nproc', Soft: 1024, Hard: 1024 },
        ],
      },
    });
    await container.start();
    const c = container;
    const healthz = async () => {
      const r = await fetch(`http://127.0.0.1:${String(port)}/healthz`).catch(() => undefined);
      return r === undefined ? 'down' : `${String(r.status)} ${await r.text()}`;
    };
    await expect.poll(healthz, { timeout: 60_000 }).toMatch(/^200 \{"status":"active"/);
    expect(await logsOf(c)).toMatch(/worker \S+ enrolled in project health-prod, pool gpu/);

    const submitted = await cli.run(
      'submit',
      '--project',
      P.health,
      '--pool',
      POOL,
      '--id',
      'in-image',
      '--payload',
      '{"from":"the image"}',
      '--wait',
    );
    expect(submitted.code).toBe(0);
    expect(submitted.out).toMatch(/completed/);
    expect(submitted.out).toContain('the image');
    // The worker tells the report once it is stored, which may be after the submitter saw it.
    await expect.poll(() => logsOf(c)).toMatch(/task in-image attempt 1: completed/);

    // SIGTERM, as the kubelet sends it: the worker drains, records that it left and exits 0.
    await c.stop({ t: 30 });
    const state = (await c.inspect()).State;
    expect(state.ExitCode).toBe(0);
    const logs = await logsOf(c);
    expect(logs).toMatch(/SIGTERM: draining/);
    expect(logs).toMatch(/left the pool/);
  });
});
