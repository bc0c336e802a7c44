import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCaptured } from './run-captured.ts';

const run = promisify(execFile);
let dir: string;
let script: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fleet-completion-'));
  const r = runCaptured(['completion', 'bash']);
  expect(await r.done).toBe(0);
  script = join(dir, 'fleet.bash');
  await writeFile(script, r.stdout());
  await writeFile(join(dir, 'tasks.ndjson'), '');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** What bash offers after `fleet <words>` (the last word being completed), with the script sourced. */
const complete = async (...words: string[]): Promise<string[]> => {
  const line = ['fleet', ...words];
  const { stdout } = await run(
    'bash',
    [
      '-c',
      `source ${script}; COMP_WORDS=(${line.map((w) => `'${w}'`).join(' ')}); ` +
        `COMP_CWORD=${line.length - 1}; _fleet; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ],
    { cwd: dir },
  );
  return stdout.split('\n').filter((l) => l !== '');
};

describe('fleet completion', () => {
  it('completes commands, subcommands, options, choices and files in bash', async () => {
    expect(await complete('wo')).toEqual(['workers', 'worker']);
    expect(await complete('workers', '')).toEqual(['list', 'revoke', 'drain']);
    // Global options before the command do not hide it.
    expect(await complete('--nats', 'nats://h:4222', 'workers', 'd')).toEqual(['drain']);
    expect(await complete('tasks', '--st')).toEqual(['--status', '--stream']);
    expect(await complete('completion', '')).toEqual(['bash', 'zsh', 'fish']);
    expect(await complete('submit', '--file', 'ta')).toEqual(['tasks.ndjson']);
  });

  it('refuses a shell it does not know', async () => {
    const r = runCaptured(['completion', 'tcsh']);
    expect(await r.done).toBe(2);
    expect(r.stderr()).toMatch(/value 'tcsh' is invalid.* Allowed choices are bash, zsh, fish/);
  });
});
