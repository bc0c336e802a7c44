import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { taskStatus } from '../../client/index.ts';
import { MAX_MESSAGE_BYTES, MAX_OUTPUT_DEPTH } from '../../events/index.ts';
import type { PoolId, ProjectId, TaskStatusReply, WorkerId } from '../../events/index.ts';
import { startDispatcher } from '../dispatcher/dispatcher.ts';
import type { Dispatcher } from '../dispatcher/dispatcher.ts';
import { issueKey, startRegistrar } from '../registrar/index.ts';
import type { Registrar } from '../registrar/index.ts';
import { cliFixture } from '../../test/support/cli-fixture.ts';
import type { CliFixture } from '../../test/support/cli-fixture.ts';
import { P, POOL } from '../../test/support/builders.ts';
import { buildReport } from './build-report.ts';
import { createWorker } from './create-worker.ts';
import type { Worker } from './worker.ts';
import { execHandler } from './exec-handler.ts';
import type { JsonValue, TaskContext, TaskHandler, TaskResult } from './task-context.ts';

/** Outputs at the edge of what a stored report holds, against a real server and fold. */

const project = P.health as ProjectId;
const pool = POOL as PoolId;
const DURATION_MS = 5;

let cli: CliFixture;
let d: Dispatcher;
let registrar: Registrar;
const workers: Worker[] = [];

beforeEach(async () => {
  cli = await cliFixture();
  // Default heartbeats: folding and checking 1 MiB reports takes this process a while.
  d = await startDispatcher({ log: cli.f.log, pool });
  registrar = await startRegistrar({ log: cli.f.log });
});
afterEach(async () => {
  for (const w of workers.splice(0)) await w.kill();
  await d.stop();
  await registrar.stop();
  await cli.close();
});

const startWorker = async (handler: TaskHandler, capacity = 1): Promise<Worker> => {
  const { token } = await issueKey(cli.f.log, { project, pool, models: ['llama'] });
  const w = await createWorker({
    nats: cli.f.nc,
    key: token,
    root: cli.f.log.subjects.root,
    models: ['llama'],
    capacity,
    claimWaitMs: 1_000,
    handler,
  });
  workers.push(w);
  return w;
};

/** How the task ended, with its report, once it has. */
const ended = async (taskId: string): Promise<TaskStatusReply> => {
  const ref = { project, pool, taskId, waitMs: 20_000, withReport: true };
  const r = await taskStatus(cli.f.nc, ref, { root: cli.f.log.subjects.root });
  expect(r.status).not.toMatch(/^(queued|assigned|unknown)$/);
  return r;
};

const nested = (levels: number): JsonValue => {
  let v: JsonValue = 0;
  for (let i = 0; i < levels; i += 1) v = [v];
  return v;
};

/** The longest string output whose report, as this worker stores it, fills a message exactly. */
const roomFor = (t: TaskContext, workerId: WorkerId): number => {
  const empty = buildReport({
    assignment: { ...t, payload: t.payload },
    workerId,
    outcome: { ok: true, result: { output: '', usage: { durationMs: DURATION_MS } } },
    durationMs: DURATION_MS,
    at: Date.now(),
  });
  return MAX_MESSAGE_BYTES - new TextEncoder().encode(JSON.stringify({ batch: [empty] })).length;
};

describe('outputs at the edge', () => {
  it('stores outputs at exactly the limits; one level or one byte more, or not JSON, is invalid_result', async () => {
    const cycle: Record<string, unknown> = {};
    cycle['again'] = cycle;
    let me = '' as WorkerId;
    let room = 0;
    const outputs: Record<string, (t: TaskContext) => unknown> = {
      'deep-fits': () => nested(MAX_OUTPUT_DEPTH),
      'deep-over': () => nested(MAX_OUTPUT_DEPTH + 1),
      'size-fits': (t) => 'x'.repeat((room = roomFor(t, me))),
      'size-over': (t) => 'x'.repeat(roomFor(t, me) + 1),
      bigint: () => ({ n: 2n ** 70n }),
      cycle: () => cycle,
      nan: () => [Number.NaN],
      fn: () => () => 'not data',
    };
    const w = await startWorker((t) => {
      const make = outputs[t.taskId];
      const output = make === undefined ? null : make(t);
      return Promise.resolve({ output, usage: { durationMs: DURATION_MS } } as TaskResult);
    });
    me = w.id;
    // Each alone, so a batch cannot hide which limit is tested.
    for (const taskId of Object.keys(outputs)) {
      await cli.f.submit({ taskId, maxAttempts: 3 });
      await ended(taskId);
    }

    const deep = await ended('deep-fits');
    expect(deep).toMatchObject({ status: 'completed', attempts: 1 });
    expect(deep.report?.output).toEqual(nested(MAX_OUTPUT_DEPTH));
    // At exactly the size limit the report is too large for a status reply, but it is stored
    // and readable: `fleet status` reads it from the stream.
    const size = await ended('size-fits');
    expect(size).toMatchObject({ status: 'completed', attempts: 1 });
    const shown = await cli.run(
      'status',
      'size-fits',
      '--project',
      project,
      '--pool',
      pool,
      '--json',
    );
    expect(shown.code).toBe(0);
    const outcome = JSON.parse(shown.out) as { status: string; output: string };
    expect(outcome.status).toBe('completed');
    expect(room).toBeGreaterThan(MAX_MESSAGE_BYTES - 300);
    expect(outcome.output.length).toBe(room);

    const reasons: Record<string, string> = {
      'deep-over': 'data.output is nested more than 60 levels deep',
      'size-over': `over the ${MAX_MESSAGE_BYTES}-byte limit of a message`,
      bigint: 'data.output holds a bigint, which is not JSON',
      cycle: 'data.output holds a cycle',
      nan: 'data.output holds NaN, which is not JSON',
      fn: 'data.output holds a function, which is not JSON',
    };
    for (const [taskId, reason] of Object.entries(reasons)) {
      const r = await ended(taskId);
      // Failed on the first attempt, for good: no lease ran out, nothing was dead-lettered.
      expect(r).toMatchObject({ status: 'failed', attempts: 1 });
      expect(r.report?.error?.code).toBe('invalid_result');
      expect(r.report?.error?.message).toContain(reason);
    }
    const status = await cli.run('status', 'deep-over', '--project', project, '--pool', pool);
    expect(status.code).toBe(1);
    expect(status.out).toContain('failed after 1 attempt');
    expect(status.out).toContain('error: [invalid_result] ');
    expect(status.out).toContain('nested more than 60 levels deep');
  });

  it('one bad output in a batch of reports fails alone; the others complete', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started = 0;
    await startWorker(async (t) => {
      started += 1;
      if (started === 3) release();
      await gate;
      return { output: t.taskId === 'bad' ? nested(MAX_OUTPUT_DEPTH + 1) : { ok: t.taskId } };
    }, 3);
    await cli.f.submit({ taskId: 'good-1' }, { taskId: 'bad' }, { taskId: 'good-2' });
    const [g1, bad, g2] = [await ended('good-1'), await ended('bad'), await ended('good-2')];
    // All three finished in one turn and were stored as one message.
    expect(new Set([g1.endedSeq, bad.endedSeq, g2.endedSeq]).size).toBe(1);
    expect(g1).toMatchObject({ status: 'completed', report: { output: { ok: 'good-1' } } });
    expect(g2).toMatchObject({ status: 'completed', report: { output: { ok: 'good-2' } } });
    expect(bad).toMatchObject({ status: 'failed', report: { error: { code: 'invalid_result' } } });
  });

  it('an exec worker: text stdout is the output; too deep or over 1 MiB is invalid_result', async () => {
    const command = [
      'case "$FLEET_TASK_ID" in',
      // Not JSON: stored as text.
      '  text) echo "plain words, not JSON" ;;',
      `  deep) node -e 'process.stdout.write("[".repeat(${MAX_OUTPUT_DEPTH + 1}) + "]".repeat(${MAX_OUTPUT_DEPTH + 1}))' ;;`,
      `  huge) head -c ${MAX_MESSAGE_BYTES + 1} /dev/zero | tr '\\0' x ;;`,
      'esac',
    ].join('\n');
    await startWorker(execHandler({ command }));
    for (const taskId of ['text', 'deep', 'huge']) await cli.f.submit({ taskId });
    expect(await ended('text')).toMatchObject({
      status: 'completed',
      report: { output: 'plain words, not JSON' },
    });
    const deep = await ended('deep');
    expect(deep).toMatchObject({ status: 'failed', attempts: 1 });
    expect(deep.report?.error).toMatchObject({ code: 'invalid_result' });
    expect(deep.report?.error?.message).toContain('nested more than 60 levels deep');
    const huge = await ended('huge');
    expect(huge).toMatchObject({ status: 'failed', attempts: 1 });
    expect(huge.report?.error).toMatchObject({ code: 'invalid_result' });
    expect(huge.report?.error?.message).toContain(`stdout exceeds ${MAX_MESSAGE_BYTES} bytes`);
  });
});
