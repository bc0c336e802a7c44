import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCaptured } from '../cli/run-captured.ts';
import { openAuthDir } from '../security/index.ts';
import type { CapturedRun } from '../cli/run-captured.ts';
import { cliFixture } from './support/cli-fixture.ts';
import type { CliFixture } from './support/cli-fixture.ts';
import { shownCommands } from './support/docs-commands.ts';
import { commandToRun, EXIT_CODES, LONG_RUNNING, NOT_RUN } from './support/docs-runs.ts';
import type { StandIn } from './support/docs-runs.ts';

/**
 * Runs every fenced `fleet` command of README.md and docs/*.md, in the order the docs show
 * them, against one fleet on the harness's nats-server (its own stream and root): the first is
 * `fleet up`, which stays up for the others. Stand-ins (`P`, `KEYID`, a file) get values from
 * that fleet; long-running commands are started, seen running, and stopped. Only the commands
 * of NOT_RUN (test/support/docs-runs.ts) are left out, each with its reason.
 */

const root = fileURLToPath(new URL('../', import.meta.url));
const docs = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const shown = docs
  .flatMap((file) => shownCommands(file, readFileSync(join(root, file), 'utf8')))
  .filter((c) => c.fenced === true && NOT_RUN[c.text] === undefined);

let cli: CliFixture;
let dir: string;
const values: Partial<Record<StandIn, string>> = {};
const token = 'docs-token-0123456789abcdef';

beforeAll(async () => {
  cli = await cliFixture();
  dir = await mkdtemp(join(tmpdir(), 'fleet-docs-'));
  // The operator key `fleet up --secure` makes in its data dir, for audit and retention.
  await openAuthDir(join(dir, 'data'), { create: true });
  await writeFile(join(dir, 'task.json'), JSON.stringify({ prompt: 'Summarise…' }));
  await writeFile(
    join(dir, 'tasks.ndjson'),
    `${JSON.stringify({ taskId: 'docs-batch', requirements: { models: ['llama3-70b'] } })}\n`,
  );
  Object.assign(values, {
    P: 'health-prod',
    POOL: 'gpu',
    'python run_task.py': 'cat', // the stand-in task program: echoes the task
    '@task.json': `@${join(dir, 'task.json')}`,
    'tasks.ndjson': join(dir, 'tasks.ndjson'),
    C: '999999999.0',
    'seq|time': '1',
    '<seq|time>': '1',
    N: '2', // a retention point's first kept sequence: 2 or more
    TEXT: 'shown in the docs',
    D: join(dir, 'data'),
    T: token,
    'P=T': `health-prod=${token}-project`,
    '7480': '0',
  } satisfies Partial<Record<StandIn, string>>);
});
afterAll(async () => {
  await cli.close();
  await rm(dir, { recursive: true, force: true });
});

const globals = () => [
  '--nats',
  inject('natsUrl'),
  '--root',
  cli.f.log.subjects.root,
  '--stream',
  cli.f.log.stream,
];

/** Runs `fleet <args>` to its end. */
const run = async (args: readonly string[], env: Record<string, string> = {}) => {
  const r = runCaptured([...globals(), ...args], { env });
  return { code: await r.done, out: r.stdout(), err: r.stderr() };
};

/** A worker that completes what the docs submit: the tasks ask for vram >= 40. */
const startServingWorker = async () => {
  const key = await run([
    'keys',
    'create',
    '--project',
    'health-prod',
    '--pool',
    'gpu',
    '--label',
    'vram=80',
  ]);
  const serving = await cli.start(['worker', '--models', 'llama3-70b', '--exec', 'cat'], {
    env: { FLEET_KEY: key.out.split('\n')[0] ?? '' },
    ready: /claiming work/,
  });
  return serving;
};

/** What a command's output gives the stand-ins of the commands after it. */
const learn = (args: readonly string[], out: string): void => {
  const [command, sub] = args;
  if (command === 'keys' && sub === 'create') {
    values['fk_…'] = out.split('\n')[0] ?? '';
    values.KEYID = /^key (\S+) for project/m.exec(out)?.[1];
  }
  if (command === 'worker') values.WORKERID = values.ID = /worker (\S+) enrolled/.exec(out)?.[1];
  if (command === 'submit' && !args.includes('--file')) values.TASKID = out.split('\n')[0];
};

describe('the commands the docs show', () => {
  it('are all found: the docs show fleet commands to run', () => {
    expect(shown.length).toBeGreaterThan(20);
  });

  it('run as shown, in order, against one fleet', { timeout: 180_000 }, async () => {
    let serving: CapturedRun | undefined;
    const failures: string[] = [];
    for (const c of shown) {
      const { args, env } = commandToRun(c.text, values);
      if (args[0] === 'submit' && serving === undefined) serving = await startServingWorker();
      const long =
        LONG_RUNNING[
          args[0] === 'events' && args.includes('--follow') ? 'events --follow' : (args[0] ?? '')
        ];
      const where = `${c.file}:${c.line}: ${c.text}\n  ran: fleet ${args.join(' ')}`;
      if (long !== undefined) {
        const started = await cli.start(args, { env });
        const seen = () => `${started.stdout()}${started.stderr()}`;
        await expect.poll(seen, { timeout: 20_000, message: where }).toMatch(long.ready);
        learn(args, started.stdout());
        if (long.keep !== true) {
          const code = await started.stop();
          if (code !== 0) failures.push(`${where}\n  exit ${code}: ${seen()}`);
        }
        continue;
      }
      const r = await run(args, env);
      learn(args, r.out);
      const expected = EXIT_CODES[c.text]?.code ?? 0;
      if (r.code !== expected)
        failures.push(`${where}\n  exit ${r.code} (expected ${expected}):\n${r.out}${r.err}`);
    }
    expect(failures).toEqual([]);
  });

  it('include a config file that fleet dispatcher takes as shown', async () => {
    const ops = readFileSync(join(root, 'docs/operations.md'), 'utf8');
    const example = /```json\n(\{\n\s*"dispatcher"[\s\S]*?)```/.exec(ops)?.[1];
    expect(example).toBeDefined();
    const file = join(dir, 'fleet.json');
    await writeFile(file, example ?? '');
    const d = await cli.start(['dispatcher', '--config', file], {
      ready: /dispatcher of pool gpu running/,
    });
    expect(await d.stop()).toBe(0);
  });
});
