import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { P, POOL } from '../test/support/builders.ts';
import { cliFixture } from '../test/support/cli-fixture.ts';
import type { CliFixture } from '../test/support/cli-fixture.ts';

let cli: CliFixture;
let dir: string;

beforeEach(async () => {
  cli = await cliFixture();
  dir = await mkdtemp(join(tmpdir(), 'fleet-config-'));
});
afterEach(async () => {
  await cli.close();
  await rm(dir, { recursive: true, force: true });
});

/** Writes `doc` as a config file and returns its path. */
const config = async (doc: unknown, name = 'fleet.json'): Promise<string> => {
  const file = join(dir, name);
  await writeFile(file, typeof doc === 'string' ? doc : JSON.stringify(doc));
  return file;
};

describe('--config', () => {
  it('gives the dispatcher its options from the file; a flag overrides the file', async () => {
    const file = await config({
      dispatcher: { pool: POOL, heartbeat: '1s', missedBeats: 3, weight: { [P.fin]: 2 } },
    });
    const d = await cli.start(['dispatcher', '--config', file], {
      ready: /dispatcher of pool gpu running/,
    });
    await d.stop();
    const cpu = await cli.start(['dispatcher', '--config', file, '--pool', 'cpu'], {
      ready: /dispatcher of pool cpu running/,
    });
    await cpu.stop();
  });

  it('gives a worker its options from the file, lists and labels included', async () => {
    await cli.start(['up', '--pools', POOL, '--no-hud'], { ready: /fleet is up/ });
    const key = await cli.run('keys', 'create', '--project', P.health, '--pool', POOL);
    const token = key.out.split('\n')[0] ?? '';
    const file = await config({
      worker: { exec: 'cat', models: ['llama', 'mistral'], label: { gpu: 'a100' }, capacity: 2 },
    });
    const worker = await cli.start(['worker', '--config', file, '--capacity', '3'], {
      env: { FLEET_KEY: token },
      ready: /claiming work/,
    });
    expect(worker.stdout()).toMatch(
      /enrolled in project health-prod, pool gpu: models llama,mistral, labels gpu=a100, process, capacity 3/,
    );
  });

  it('names the bad key, section or value, and the file', async () => {
    const refused = async (doc: unknown, ...args: string[]) => {
      const file = await config(doc);
      const r = await cli.run(...args, '--config', file);
      expect(r.code).toBe(2);
      return r.err.replace(file, 'FILE');
    };
    // The known keys are the command's options, whatever they are now: a few of them suffice.
    expect(await refused({ dispatcher: { pool: POOL, heartbeet: '1s' } }, 'dispatcher')).toMatch(
      /^error \[invalid_input\]: FILE: dispatcher\.heartbeet: unknown option \(known: pool, .*\bheartbeat, .*\bhealthPort\)\n$/,
    );
    expect(await refused({ workers: {} }, 'dispatcher', '--pool', POOL)).toBe(
      'error [invalid_input]: FILE: unknown section "workers" (known: dispatcher, worker)\n',
    );
    expect(await refused({ dispatcher: { pool: POOL, missedBeats: true } }, 'dispatcher')).toBe(
      'error [invalid_input]: FILE: dispatcher.missedBeats: expected a string or a number\n',
    );
    // Values pass the command's own checks, as flags do.
    expect(await refused({ dispatcher: { pool: POOL, heartbeat: 'soon' } }, 'dispatcher')).toMatch(
      /^error \[invalid_input\]: --heartbeat "soon" is not a duration/,
    );
    // The key stays out of files.
    expect(await refused({ worker: { exec: 'cat', key: 'fk_x' } }, 'worker')).toMatch(
      /worker\.key: unknown option/,
    );
    expect(await refused('{"dispatcher": ', 'dispatcher')).toMatch(
      /^error \[invalid_input\]: --config: FILE is not a readable JSON file/,
    );
    expect(await refused({ dispatcher: { heartbeat: '1s' } }, 'dispatcher')).toMatch(
      /required option '--pool <pool>' or '--pools <a,b>' not specified \(on the command line or in --config\)/,
    );
  });
});
