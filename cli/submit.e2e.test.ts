import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDispatcher } from '../actors/dispatcher/dispatcher.ts';
import type { Dispatcher } from '../actors/dispatcher/dispatcher.ts';
import { taskKey } from '../domain/pool/index.ts';
import type { PoolId, ProjectId } from '../events/index.ts';
import { uniqueName } from '../test/harness/index.ts';
import { P, POOL } from '../test/support/builders.ts';
import { cliFixture } from '../test/support/cli-fixture.ts';
import type { CliFixture } from '../test/support/cli-fixture.ts';
import { runCaptured } from './run-captured.ts';

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

const task = ['--project', P.health, '--pool', POOL];

/** A fake worker: claims once and reports the attempt completed (echoing the payload) or failed. */
const workOnce = async (workerId: string, outcome: 'completed' | 'failed') => {
  const reply = await cli.f.claim(workerId, { waitMs: 10_000 });
  const a = 'assignments' in reply ? reply.assignments[0] : undefined;
  if (a === undefined) throw new Error(`no assignment: ${JSON.stringify(reply)}`);
  const base = { taskId: a.taskId, project: a.project, pool: a.pool, workerId, attempt: a.attempt };
  await cli.f.report(workerId, {
    ...(outcome === 'completed'
      ? {
          type: 'task.completed',
          data: { ...base, output: { echo: a.payload }, usage: { tokensIn: 5 } },
        }
      : {
          type: 'task.failed',
          data: { ...base, error: { message: 'out of memory', code: 'oom' }, retryable: false },
        }),
    meta: { at: Date.now() },
  } as never);
};

describe('fleet submit', () => {
  it('submits with constraints, waits, and prints the output of the completed task (exit 0)', async () => {
    await cli.f.enroll('w1', { labels: { vram: 80, zone: 'eu' } });
    const working = workOnce('w1', 'completed');
    const payload = join(tmpdir(), `${uniqueName('payload')}.json`);
    await writeFile(payload, JSON.stringify({ prompt: 'hi' }));
    const r = await cli.run(
      'submit',
      ...task,
      '--model',
      'llama',
      '--label',
      'zone=eu',
      '--require',
      'vram>=40',
      '--require',
      '!spot',
      '--priority',
      '7',
      '--max-attempts',
      '2',
      '--timeout',
      '90s',
      '--payload',
      `@${payload}`,
      '--id',
      'cli-1',
      '--wait',
      '--wait-timeout',
      '10s',
    );
    await working;
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out.split('\n')).toEqual([
      'cli-1',
      'completed after 1 attempt',
      'output: {"echo":{"prompt":"hi"}}',
      'usage: 5 tokens in, 0 out, 0 ms',
      '',
    ]);
    // The submission as stored (the fold keeps only what identifies an ended task).
    expect(d.host.state.tasks.get(taskKey(P.health, 'cli-1'))?.status).toBe('completed');
    const message = await cli.f.log.jsm.streams.getMessage(cli.f.log.stream, {
      last_by_subj: cli.f.log.subjects.submit(P.health as ProjectId, POOL as PoolId),
    });
    const stored = message?.json<{ data: Record<string, unknown> }>().data;
    expect(stored).toMatchObject({ priority: 7, maxAttempts: 2, timeoutMs: 90_000 });
    expect(stored?.['requirements']).toEqual({
      models: ['llama'],
      labels: [
        { key: 'zone', op: 'eq', value: 'eu' },
        { key: 'vram', op: 'gte', value: 40 },
        { key: 'spot', op: 'notExists' },
      ],
    });

    const status = await cli.run('status', 'cli-1', ...task, '--json');
    expect(status.code).toBe(0);
    expect(JSON.parse(status.out)).toMatchObject({
      taskId: 'cli-1',
      status: 'completed',
      output: { echo: { prompt: 'hi' } },
    });
  });

  it('exits 1 when the task it waits for fails, and prints the worker’s error', async () => {
    await cli.f.enroll('w1');
    const working = workOnce('w1', 'failed');
    const r = await cli.run('submit', ...task, '--model', 'llama', '--wait', '--json');
    await working;
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { message: 'out of memory', code: 'oom' },
    });
  });

  it('prints the id, and then cancel and status work on it', async () => {
    const r = await cli.run('submit', ...task, '--payload', '"just text"');
    expect(r.code).toBe(0);
    const id = r.out.trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await cli.run('status', id, ...task)).toMatchObject({
      code: 0,
      out: 'queued after 0 attempts; waiting: no active worker\n',
    });
    expect((await cli.run('cancel', id, ...task, '--reason', 'no longer needed')).out).toMatch(
      /^cancellation of task .* stored \(seq 2\)\n$/,
    );
    expect(await cli.run('status', id, ...task, '--wait')).toMatchObject({
      code: 1,
      out: 'cancelled after 0 attempts\n',
    });
    const timeout = await cli.run('submit', ...task, '--wait', '--wait-timeout', '200ms');
    expect(timeout.code).toBe(1);
    expect(timeout.err).toMatch(
      /^queued after 0 attempts; waiting: no active worker\nerror \[timeout\]: task .* is still queued after 200 ms of waiting: no active worker\n$/,
    );
  });

  it('says why a task waits: in status, in its JSON, and while submit --wait waits', async () => {
    await cli.f.enroll('w1', { models: ['mistral-7b'] });
    const r = await cli.run(
      'submit',
      ...task,
      '--id',
      'why-1',
      '--model',
      'llama3-70b',
      '--wait',
      '--wait-timeout',
      '300ms',
    );
    expect(r.code).toBe(1);
    expect(r.out).toBe('why-1\n');
    // While waiting, on stderr, in the words of fleet top; then the timeout says it again.
    expect(r.err).toMatch(
      /^queued after 0 attempts; waiting: unmet model: serves none of llama3-70b\nerror \[timeout\]: task why-1 is still queued after 300 ms of waiting: unmet model: serves none of llama3-70b\n$/,
    );
    expect(await cli.run('status', 'why-1', ...task)).toMatchObject({
      code: 0,
      out: 'queued after 0 attempts; waiting: unmet model: serves none of llama3-70b\n',
    });
    const json = await cli.run('status', 'why-1', ...task, '--json');
    expect(JSON.parse(json.out)).toMatchObject({
      status: 'queued',
      waiting: { reason: 'unmet', detail: 'unmet model: serves none of llama3-70b' },
    });
  });

  it.each([
    [
      ['--label', 'gpu'],
      /^error \[invalid_input\]: --label "gpu": not a constraint; a constraint is k=v, /,
    ],
    [
      ['--require', 'vram => 40'],
      /--require "vram => 40": "=>" is not an operator; a constraint is /,
    ],
    [['--require', 'gpu in a100, h100'], /"a100, h100" is not one value: .* a constraint is /],
    [['--require', 'vram>=lots'], /--require "vram>=lots": ">=" compares numbers/],
    [['--priority', 'high'], /--priority "high" must be a whole number/],
    [['--payload', '{oops'], /--payload: it is not JSON/],
    [['--runtime', 'vm'], /^error \[invalid_input\]: invalid task: requirements\.runtimes\.0: /],
    [['--model', 'llama 3'], /invalid task: requirements\.models\.0: model names are/],
    [['--wait-timeout', 'soon'], /--wait-timeout "soon" is not a duration/],
    [
      ['--deadline', '2000-01-01T00:00:00Z'],
      /invalid task: deadlines\.deadlineAt .* is in the past/,
    ],
    [['--deadline', '400d'], /invalid task: deadlines\.deadlineAt is more than /],
    [['--schedule-to-start', '-5s'], /--schedule-to-start "-5s" is not a duration/],
    [['--start-to-close', '400d'], /invalid task: deadlines\.startToCloseMs: /],
  ])(
    'refuses %j with exit code 2 and a clear message, publishing nothing',
    async (args, message) => {
      const r = await cli.run('submit', ...task, ...args);
      expect(r).toMatchObject({ code: 2, out: '' });
      expect(r.err).toMatch(message);
      expect(r.err).not.toMatch(/\n\s+at /);
      expect((await cli.f.log.jsm.streams.info(cli.f.log.stream)).state.messages).toBe(0);
    },
  );

  it('waits for a task a deadline ends: timed_out, with the deadline that ran out (exit 1)', async () => {
    const r = await cli.run(
      'submit',
      ...task,
      '--model',
      'nobody-serves-this',
      '--schedule-to-start',
      '200ms',
      '--wait',
    );
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      /\ntimed_out after 0 attempts\nerror: \[schedule_to_start\] the task's schedule_to_start deadline ran out\n$/,
    );
  });

  it('reports an unreachable server as unavailable (exit 2)', async () => {
    const r = runCaptured(['--nats', 'nats://127.0.0.1:1', 'submit', ...task]);
    expect(await r.done).toBe(2);
    expect(r.stderr()).toBe('error [unavailable]: cannot reach NATS at nats://127.0.0.1:1\n');
  });
});
