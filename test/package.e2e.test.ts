/**
 * The package as a user gets it: `npm pack` (which builds dist/ through `prepare`), then
 * `npm install <tarball>` in a fresh folder, from npm's cache (every dependency is there since
 * this checkout's own install). There, `npx fleet` must run the build without tsx, and the SDK's
 * `exports` must give working modules and their types. Slow (a build and an install): up to a
 * few minutes on a busy machine.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const exec = promisify(execFile);
const repo = fileURLToPath(new URL('..', import.meta.url));
const SETUP_MS = 180_000;
/** Enough output for tsc or npm to explain a failure. */
const maxBuffer = 16 * 1024 * 1024;

let packDir: string | undefined;
let consumer = '';

beforeAll(async () => {
  const packed = await mkdtemp(join(tmpdir(), 'fleet-pack-'));
  packDir = packed;
  consumer = await mkdtemp(join(tmpdir(), 'fleet-consumer-'));
  await exec('npm', ['pack', '--pack-destination', packed], { cwd: repo, maxBuffer });
  const tarballs = (await readdir(packed)).filter((f) => f.endsWith('.tgz'));
  expect(tarballs).toHaveLength(1);
  await writeFile(
    join(consumer, 'package.json'),
    JSON.stringify({ name: 'fleet-consumer', private: true, type: 'module' }),
  );
  await exec(
    'npm',
    [
      'install',
      join(packed, tarballs[0] ?? ''),
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--no-package-lock',
    ],
    { cwd: consumer, maxBuffer },
  );
}, SETUP_MS);

afterAll(async () => {
  for (const dir of [packDir, consumer])
    if (dir !== undefined && dir !== '') await rm(dir, { recursive: true, force: true });
});

describe('the packed package, installed in a fresh folder', () => {
  it('runs `npx fleet --help` from the build, with no tsx installed', async () => {
    const { stdout, stderr } = await exec('npx', ['--no-install', 'fleet', '--help'], {
      cwd: consumer,
    });
    expect(stdout).toContain('Usage: fleet');
    for (const command of ['up', 'submit', 'status', 'worker', 'audit'])
      expect(stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect(stderr).toBe('');
    expect(existsSync(join(consumer, 'node_modules', 'tsx'))).toBe(false);
    const { stdout: version } = await exec('npx', ['--no-install', 'fleet', '--version'], {
      cwd: consumer,
    });
    expect(version.trim()).toMatch(/^\d+\.\d+\.\d+/);
  }, 60_000);

  it('serves the HUD page from the files the build copied beside its modules', async () => {
    const token = 'package-e2e-operator-token';
    // The installed binary itself, not through npx, so that SIGTERM reaches it.
    const fleet = join(consumer, 'node_modules', '.bin', 'fleet');
    // The HUD only reads: a write (a key) makes the deployment first, on a stream of its own.
    const where = ['--nats', inject('natsUrl'), '--root', 'pkgtest', '--stream', 'PKGTEST'];
    await exec(fleet, [...where, 'keys', 'create', '--project', 'p1', '--pool', 'gpu'], {
      cwd: consumer,
      env: { ...process.env, FLEET_HOME: consumer },
    });
    const hud = spawn(fleet, [...where, 'hud', '--port', '0'], {
      cwd: consumer,
      env: { ...process.env, FLEET_HOME: consumer, FLEET_HUD_OPERATOR_TOKEN: token },
    });
    const exited = new Promise((resolve) => hud.once('close', resolve));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        hud.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const at = /HUD at (http:\S+)/.exec(out);
          if (at?.[1] !== undefined) resolve(at[1]);
        });
        hud.once('close', (code) => {
          reject(new Error(`fleet hud exited (${String(code)}): ${out}`));
        });
      });
      const page = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      expect(page.status).toBe(200);
      // Its script and stylesheet inlined: read from dist/hud/ of the installed package, and
      // the charting library's from its package, installed beside it as a dependency.
      const html = await page.text();
      expect(html).toContain('<script>');
      expect(html).toContain('<style>');
      const installed = (path: string) =>
        readFile(join(consumer, 'node_modules', 'uplot', 'dist', path), 'utf8');
      expect(html).toContain(await installed('uPlot.iife.min.js'));
      expect(html).toContain(await installed('uPlot.min.css'));
      expect(html).toContain(await readFile(join(repo, 'hud', 'page', 'charts.js'), 'utf8'));
    } finally {
      hud.kill('SIGTERM');
      await exited;
    }
  }, 60_000);

  it('exports the client and the worker SDK to an ES module', async () => {
    await writeFile(
      join(consumer, 'check.mjs'),
      [
        "import { awaitTask, submitTask } from 'fleet/client';",
        "import { createWorker, execHandler } from 'fleet/worker';",
        'console.log(JSON.stringify([submitTask, awaitTask, createWorker, execHandler].map((f) => typeof f)));',
      ].join('\n'),
    );
    const { stdout } = await exec(process.execPath, ['check.mjs'], { cwd: consumer });
    expect(JSON.parse(stdout)).toEqual(['function', 'function', 'function', 'function']);
  }, 60_000);

  it('exports the entry point of a Lambda function that runs Fleet tasks', async () => {
    // What a function's code does: `fleet/lambda` alone, without the launchers' clients.
    await writeFile(
      join(consumer, 'lambda.mjs'),
      [
        "import { lambdaTaskHandler } from 'fleet/lambda';",
        'const handler = lambdaTaskHandler(async (task) => ({ output: { echo: task.payload, attempt: task.attempt } }));',
        'const context = { getRemainingTimeInMillis: () => 10_000 };',
        "const event = { taskId: 't-1', project: 'p1', pool: 'gpu', attempt: 2, payload: { n: 7 } };",
        'const refused = await handler({ not: "a task" }, context).then(() => "accepted", () => "refused");',
        'console.log(JSON.stringify([await handler(event, context), refused]));',
      ].join('\n'),
    );
    const { stdout } = await exec(process.execPath, ['lambda.mjs'], { cwd: consumer });
    expect(JSON.parse(stdout)).toEqual([{ echo: { n: 7 }, attempt: 2 }, 'refused']);
  }, 60_000);

  it('gives TypeScript the types of its entry points', async () => {
    await writeFile(
      join(consumer, 'check.ts'),
      [
        "import type { Submitted, TaskOutcome } from 'fleet/client';",
        "import { submitTask } from 'fleet/client';",
        "import type { TaskHandler } from 'fleet/worker';",
        "import { createWorker } from 'fleet/worker';",
        "import { lambdaTaskHandler } from 'fleet/lambda';",
        "import type { LambdaContext } from 'fleet/lambda';",
        'export const submit: typeof submitTask = submitTask;',
        'export const create: typeof createWorker = createWorker;',
        "export const handler: TaskHandler = () => Promise.resolve({ output: 'ok' });",
        'export const lambda: (event: unknown, context: LambdaContext) => Promise<unknown> =',
        '  lambdaTaskHandler(handler);',
        'export type Both = [Submitted, TaskOutcome];',
        // A wrong type must be an error: the declarations are read, not taken as `any`.
        '// @ts-expect-error a task id is a string',
        'export const wrong: Submitted = { taskId: 1, seq: 1 };',
      ].join('\n'),
    );
    await writeFile(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2023'],
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          typeRoots: [join(repo, 'node_modules', '@types')],
          types: ['node'],
        },
        files: ['check.ts'],
      }),
    );
    const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await exec(process.execPath, [tsc, '-p', consumer], { maxBuffer }).catch(
      (e: unknown) => e as { stdout: string; code: number },
    );
    expect('code' in result ? result.stdout : '').toBe('');
  }, 120_000);
});
