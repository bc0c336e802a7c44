import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDispatcher } from '../actors/dispatcher/dispatcher.ts';
import type { Dispatcher } from '../actors/dispatcher/dispatcher.ts';
import type { PoolId } from '../events/index.ts';
import { P, POOL } from '../test/support/builders.ts';
import { cliFixture } from '../test/support/cli-fixture.ts';
import type { CliFixture } from '../test/support/cli-fixture.ts';

// A wrong pool or an unknown id is an answer the user must see (exit 1), never a success; and
// status, cancel and revoke find the project and pool from the id when only one fits.

let cli: CliFixture;
let d: Dispatcher;

beforeEach(async () => {
  cli = await cliFixture();
  d = await startDispatcher({ log: cli.f.log, pool: POOL as PoolId });
});
afterEach(async () => {
  await d.stop();
  await cli.close();
});

const stored = async () => (await cli.f.log.jsm.streams.info(cli.f.log.stream)).state.messages;
const submit = (id: string, project: string = P.health) =>
  cli.run('submit', '--project', project, '--pool', POOL, '--id', id);

describe('finding a task or worker by its id', () => {
  it('status and cancel find the project and pool of a task from its id alone', async () => {
    expect((await submit('find-1')).code).toBe(0);
    await expect
      .poll(async () => (await cli.run('status', 'find-1')).out)
      .toBe('queued after 0 attempts; waiting: no active worker\n');
    const cancelled = await cli.run('cancel', 'find-1', '--reason', 'not needed');
    expect(cancelled).toMatchObject({ code: 0, err: '' });
    expect(cancelled.out).toMatch(/^cancellation of task find-1 stored/);
    await expect.poll(async () => (await cli.run('status', 'find-1')).out).toMatch(/^cancelled/);
    // Ended: a second cancel changes nothing and says so.
    const again = await cli.run('cancel', 'find-1');
    expect(again).toMatchObject({ code: 1, out: '' });
    expect(again.err).toBe('task find-1 has ended (cancelled): nothing cancelled\n');
  });

  it('says which projects an ambiguous id is in, and takes --project to settle it', async () => {
    expect((await submit('twice')).code).toBe(0);
    expect((await submit('twice', P.fin)).code).toBe(0);
    const r = await cli.run('status', 'twice');
    expect(r).toMatchObject({ code: 2, out: '' });
    expect(r.err).toBe(
      `error [invalid_input]: ambiguous: task twice found in projects ${P.health}, ${P.fin}; ` +
        'pass --project\n',
    );
    await expect
      .poll(async () => (await cli.run('status', 'twice', '--project', P.fin)).code)
      .toBe(0);
  });

  it('exits 1 for a task that does not exist, storing nothing', async () => {
    for (const args of [
      ['status', 'nope'],
      ['cancel', 'nope'],
    ]) {
      const r = await cli.run(...args);
      expect(r).toMatchObject({ code: 1, out: '', err: 'error [not_found]: no task nope\n' });
    }
    for (const args of [
      ['status', 'nope', '--project', P.health, '--pool', POOL],
      ['cancel', 'nope', '--project', P.health, '--pool', POOL],
    ]) {
      const r = await cli.run(...args);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/^error \[not_found\]: no task nope in project health-prod, pool gpu/);
    }
    expect(await stored()).toBe(0);
  });

  it('refuses a submission to a pool no dispatcher serves, unless told to store it anyway', async () => {
    const r = await cli.run('submit', '--project', P.health, '--pool', 'nopool', '--id', 'x1');
    expect(r).toMatchObject({ code: 1, out: '' });
    expect(r.err).toMatch(
      /^error \[not_found\]: no dispatcher serves pool nopool \(project health-prod\): nothing submitted .*fleet up --pools nopool/,
    );
    expect(await stored()).toBe(0);
    const status = await cli.run('status', 'x1', '--project', P.health, '--pool', 'nopool');
    expect(status.code).toBe(1);
    expect(status.err).toMatch(/no dispatcher serves pool nopool/);

    const anyway = await cli.run(
      'submit',
      '--project',
      P.health,
      '--pool',
      'nopool',
      '--id',
      'x1',
      '--no-dispatcher-check',
    );
    expect(anyway).toMatchObject({ code: 0, out: 'x1\n' });
    expect(await stored()).toBe(1);
  });

  it('revokes a worker found from its id; an unknown or ambiguous one is refused', async () => {
    await cli.f.enroll('w1');
    await cli.f.enroll('w2');
    await cli.f.enroll('w2', { project: P.fin });
    const unknown = await cli.run('workers', 'revoke', 'w9');
    expect(unknown).toMatchObject({ code: 1, err: 'error [not_found]: no worker w9\n' });
    const ambiguous = await cli.run('workers', 'revoke', 'w2');
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.err).toMatch(/ambiguous: worker w2 found in projects .*; pass --project/);
    const revoked = await cli.run('workers', 'revoke', 'w1');
    expect(revoked).toMatchObject({ code: 0, err: '' });
    const listed = JSON.parse((await cli.run('workers', 'list', '--json')).out) as unknown[];
    expect(listed).toContainEqual(expect.objectContaining({ workerId: 'w1', status: 'revoked' }));
  });
});
