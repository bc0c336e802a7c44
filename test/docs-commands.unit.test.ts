import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../cli/main.ts';
import {
  anchorsOf,
  commandProblems,
  relativeLinks,
  shownCommands,
} from './support/docs-commands.ts';
import { commandToRun, EXIT_CODES, NOT_RUN, STAND_INS } from './support/docs-runs.ts';

/**
 * Every `fleet …` and `npm run …` command the docs show exists: the subcommands and options in
 * the real CLI program (built, not run), the scripts in package.json. And every link between the
 * docs reaches a file and a heading that exist. Every fenced command of README.md and docs/*.md
 * is run by test/docs-commands.e2e.test.ts, or listed in NOT_RUN with the test that covers it.
 */

const root = fileURLToPath(new URL('../', import.meta.url));
const read = (file: string) => readFileSync(join(root, file), 'utf8');
const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
const program = buildProgram();

/** The README, docs/*.md, and every folder's README.md. */
const docs = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
  ...readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.') && d.name !== 'node_modules')
    .map((d) => `${d.name}/README.md`)
    .filter((f) => existsSync(join(root, f))),
];

const check = (text: string) => commandProblems(program, scripts, text);

describe('finding and checking shown commands', () => {
  const sample = [
    'Run `fleet keys list --project p` or `npm run demo`, then',
    '`fleet --nats nats://h:4222 workers',
    'revoke W --project p --pool q`.',
    '',
    '```sh',
    'FLEET_KEY=fk_… fleet worker --models m \\',
    '  --exec "python run.py"   # a comment --not-an-option',
    'npm install && npm test',
    '```',
    '',
    '```ts',
    "fleet.submit('not a shell line');",
    '```',
    '',
    '```',
    'fleet events [--project P] [--task ID | --worker ID] [--follow] --creds <auth>/x.creds',
    '```',
  ].join('\n');

  it('reads fenced shell lines, continuations and wrapped inline spans, not other code', () => {
    expect(shownCommands('sample.md', sample)).toEqual([
      { file: 'sample.md', line: 1, text: 'fleet keys list --project p' },
      { file: 'sample.md', line: 1, text: 'npm run demo' },
      {
        file: 'sample.md',
        line: 2,
        text: 'fleet --nats nats://h:4222 workers revoke W --project p --pool q',
      },
      {
        file: 'sample.md',
        line: 6,
        text: 'FLEET_KEY=fk_… fleet worker --models m --exec "python run.py"',
        fenced: true,
      },
      { file: 'sample.md', line: 8, text: 'npm install && npm test', fenced: true },
      {
        file: 'sample.md',
        line: 16,
        text: 'fleet events [--project P] [--task ID | --worker ID] [--follow] --creds <auth>/x.creds',
        fenced: true,
      },
    ]);
  });

  it('passes commands the CLI has, with their own, their parents’ and global options', () => {
    for (const { text } of shownCommands('sample.md', sample))
      expect(check(text), text).toEqual([]);
    expect(check('fleet creds revoke <creds-file | public key> --data-dir .fleet')).toEqual([]);
    expect(check('fleet <command> --help')).toEqual([]);
    expect(check('npm run fleet -- --creds a.creds keys create --project p --pool q')).toEqual([]);
    expect(check('npx fleet up --no-hud --pools a,b')).toEqual([]);
  });

  it('fails a made-up command, subcommand, option or npm script', () => {
    expect(check('fleet frobnicate --project p')).toEqual([
      expect.stringContaining('"fleet" has no command "frobnicate"'),
    ]);
    expect(check('fleet keys rotate KEYID')).toEqual([
      expect.stringContaining('"fleet keys" has no command "rotate"'),
    ]);
    expect(check('fleet audit --task T')).toEqual(['"fleet audit" has no option --task']);
    expect(check('fleet submit --project p --pool q --colour red')).toEqual([
      '"fleet submit" has no option --colour',
    ]);
    expect(check('npm install && npm run deploy')).toEqual(['package.json has no script "deploy"']);
    expect(check('npm run fleet -- workers purge')).toEqual([
      expect.stringContaining('"fleet workers" has no command "purge"'),
    ]);
  });
});

describe('the docs', () => {
  const shown = docs.flatMap((file) => shownCommands(file, read(file)));

  it('show commands from every document that has them', () => {
    const files = new Set(shown.map((c) => c.file));
    for (const file of ['README.md', 'docs/operations.md', 'security/README.md'])
      expect(files, file).toContain(file);
    expect(shown.filter((c) => /^(\S+=\S+\s+)*(npx )?fleet /.test(c.text)).length).toBeGreaterThan(
      50,
    );
  });

  it('show only fleet commands, options and npm scripts that exist', () => {
    const problems = shown.flatMap((c) =>
      check(c.text).map((p) => `${c.file}:${c.line}: ${c.text}\n    ${p}`),
    );
    expect(problems).toEqual([]);
  });

  it('link only to files and headings that exist', () => {
    const broken: string[] = [];
    for (const file of docs)
      for (const { path, anchor } of relativeLinks(read(file))) {
        const target = path === '' ? file : normalize(join(dirname(file), path));
        if (!existsSync(join(root, target))) broken.push(`${file}: ${path} does not exist`);
        else if (
          anchor !== undefined &&
          target.endsWith('.md') &&
          !anchorsOf(read(target)).has(anchor)
        )
          broken.push(`${file}: ${relative('.', target)} has no heading #${anchor}`);
      }
    expect(broken).toEqual([]);
  });
});

describe('running the fenced commands', () => {
  const all = Object.fromEntries(STAND_INS.map((w) => [w, `<${w}>`]));

  it('reads a synopsis as a command: optional parts given, the last alternative, stand-ins filled', () => {
    expect(
      commandToRun('fleet events [--project P] [--task ID | --worker ID] [--follow]', {
        P: 'p1',
        ID: 'w9',
      }),
    ).toEqual({ args: ['events', '--project', 'p1', '--worker', 'w9', '--follow'], env: {} });
    expect(
      commandToRun('FLEET_KEY=fk_… npx fleet worker --exec "python run_task.py" --capacity 4', {
        'fk_…': 'fk_1',
        'python run_task.py': 'cat',
      }),
    ).toEqual({ args: ['worker', '--exec', 'cat', '--capacity', '4'], env: { FLEET_KEY: 'fk_1' } });
    expect(() => commandToRun('fleet status TASKID', {})).toThrow(/no value yet for TASKID/);
    expect(() => commandToRun('npm run demo', all)).toThrow(/not a fleet command/);
  });

  const fenced = ['README.md', ...docs.filter((f) => f.startsWith('docs/'))].flatMap((file) =>
    shownCommands(file, read(file)).filter((c) => c.fenced === true),
  );

  it('are each run by the docs test, or left out with the reason and the test that covers it', () => {
    const neither = fenced
      .filter((c) => NOT_RUN[c.text] === undefined)
      .flatMap((c) => {
        try {
          commandToRun(c.text, all);
          return [];
        } catch (e) {
          return [`${c.file}:${c.line}: ${c.text}: ${String(e)}`];
        }
      });
    expect(neither).toEqual([]);
    const texts = new Set(fenced.map((c) => c.text));
    const stale = [...Object.keys(NOT_RUN), ...Object.keys(EXIT_CODES)].filter(
      (t) => !texts.has(t),
    );
    expect(stale, 'listed but no longer in the docs').toEqual([]);
    for (const [text, why] of Object.entries(NOT_RUN))
      for (const [file] of why.matchAll(/\S+\.test\.ts/g))
        expect(existsSync(join(root, file)), `${text}: ${file}`).toBe(true);
    expect(Object.keys(NOT_RUN).length, 'a small list').toBeLessThan(fenced.length / 2);
  });
});
