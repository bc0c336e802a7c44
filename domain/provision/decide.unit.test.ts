import { describe, expect, it } from 'vitest';
import { ev, enrolled, log, P, POOL, submitted } from '../../test/support/builders.ts';
import { RuntimeTemplate } from '../../events/index.ts';
import type {
  EventOf,
  FleetEvent,
  KeyId,
  LaunchId,
  PoolId,
  ProvisionCommand,
  RuntimeTemplateInput,
  WorkerId,
} from '../../events/index.ts';
import { waitReasonText, whyWaiting } from '../pool/index.ts';
import type { ProjectId, TaskId } from '../../events/index.ts';
import { decide } from './decide.ts';
import { evolve } from './evolve.ts';
import { initialState } from './state.ts';
import type { ProvisionState } from './state.ts';

const template = (t: RuntimeTemplateInput) => RuntimeTemplate.parse(t);
const box = template({
  name: 'box',
  runtime: { kind: 'docker', memoryMb: 4096 },
  models: ['llama'],
  cost: 2,
  maxConcurrent: 2,
});
const fn = template({
  name: 'fn',
  runtime: { kind: 'lambda', maxDurationMs: 900_000, memoryMb: 1024 },
  models: ['llama'],
  cost: 1,
  maxConcurrent: 5,
});
const k8s = template({
  name: 'job',
  runtime: { kind: 'kubernetes', memoryMb: 16_384 },
  models: ['llama'],
  cost: 5,
});

const T0 = 1_000_000;
const ids = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => ({
    launchId: `l${(from + i).toString(16).padStart(16, '0')}` as LaunchId,
    keyId: `kl${from + i}` as KeyId,
  }));

/** The provisioner's state after `history` (entries at stream time T0 + seq). */
const given = (history: Parameters<typeof log>[0], templates = [box, fn, k8s]): ProvisionState => {
  let s = initialState({ pool: POOL as PoolId, templates, backoffBaseMs: 1000 });
  for (const entry of log(history, { at: (seq) => T0 + seq })) s = evolve(s, entry).state;
  return s;
};

const provision = (s: ProvisionState, n = 4, now = T0 + 100): FleetEvent[] =>
  decide(s, { type: 'provision', data: { ids: ids(n) }, meta: { now } });

const requests = (events: FleetEvent[]) =>
  events.filter((e): e is EventOf<'launch.requested'> => e.type === 'launch.requested');

const after = (s: ProvisionState, events: FleetEvent[], at = T0 + 200): ProvisionState =>
  evolve(s, { seq: s.pool.position + 1, at, events }).state;

const why = (s: ProvisionState, taskId: string) =>
  waitReasonText(whyWaiting(s.pool, P.health as ProjectId, taskId as TaskId));

describe('the provisioner chooses a runtime per task', () => {
  it('launches the cheapest template that fits when no live worker fits', () => {
    const [r] = requests(provision(given([submitted('t1')])));
    expect(r?.data).toMatchObject({ taskId: 't1', template: 'fn', runtime: 'lambda', cost: 1 });
    expect(r?.data.reason).toContain('no live worker fits');
    expect(r?.data.reason).toContain('is the cheapest ready fit (over box (docker, cost 2), job');
  });

  it('takes a Lambda only when the task’s duration and memory fit its limits', () => {
    const long = submitted('t1', { timeoutMs: 1_200_000 });
    const [r] = requests(provision(given([long])));
    expect(r?.data.template).toBe('box');
    expect(r?.data.reason).toMatch(/unfit: fn \(lambda\): timeout 1200000 ms exceeds/);
    const big = submitted('t2', { requirements: { models: ['llama'], memoryMb: 8192 } });
    const [b] = requests(provision(given([big])));
    expect(b?.data.template).toBe('job');
    expect(b?.data.reason).toMatch(/box \(docker\): needs 8192 MB.*fn \(lambda\): needs 8192 MB/);
  });

  it('follows the runtimes a task accepts', () => {
    const t = submitted('t1', { requirements: { models: ['llama'], runtimes: ['kubernetes'] } });
    expect(requests(provision(given([t])))[0]?.data.template).toBe('job');
  });

  it('prefers a warm worker with room to any launch', () => {
    expect(provision(given([enrolled('w1'), submitted('t1')]))).toEqual([]);
  });

  it('launches past busy warm workers, saying so', () => {
    const s = given([
      enrolled('w1'),
      submitted('t0'),
      ev('task.assigned', {
        taskId: 't0',
        project: P.health,
        pool: POOL,
        workerId: 'w1',
        attempt: 1,
        leaseExpiresAt: T0 + 60_000,
      }),
      submitted('t1'),
    ]);
    const [r] = requests(provision(s));
    expect(r?.data.taskId).toBe('t1');
    expect(r?.data.reason).toContain('all 1 live worker(s) that fit are busy');
  });

  it('launches nothing when no template fits, and says why the task waits', () => {
    const s = given([submitted('t1', { requirements: { models: ['gpt'] } })]);
    expect(provision(s)).toEqual([]);
    expect(why(s, 't1')).toBe('no active worker');
  });

  it('launches one worker per queued task, within each template’s limit', () => {
    const s = given(
      [1, 2, 3, 4, 5, 6, 7].map((i) => submitted(`t${i}`)),
      [box],
    );
    const first = requests(provision(s, 10));
    expect(first.map((e) => e.data.taskId)).toEqual(['t1', 't2']);
    // Those on their way count: the next round launches nothing more.
    const s2 = after(s, first);
    expect(provision(s2, 10)).toEqual([]);
    expect(why(s2, 't1')).toBe('launching a docker worker from template box, 2 launches');
  });

  it('launches no worker for a task a limit holds back, counting launches on their way', () => {
    const cap = ev('limit.set', { project: P.health, pool: POOL, concurrency: 2 });
    const s = given([cap, ...[1, 2, 3, 4, 5].map((i) => submitted(`t${i}`))], [fn]);
    const first = requests(provision(s, 10));
    expect(first.map((e) => e.data.taskId)).toEqual(['t1', 't2']);
    // The two on their way fill the cap: the next round launches nothing more.
    expect(provision(after(s, first), 10)).toEqual([]);
    const spent = ev('limit.set', {
      project: P.health,
      pool: POOL,
      budget: { usd: 1, period: { kind: 'month', timeZone: 'UTC' } },
      estimate: { usd: 2 },
    });
    expect(provision(given([spent, submitted('t1')], [fn]), 10)).toEqual([]);
  });

  it('is limited by the ids of the round', () => {
    const s = given([1, 2, 3].map((i) => submitted(`t${i}`)));
    expect(requests(provision(s, 2))).toHaveLength(2);
  });
});

describe('launches end, fail and back off', () => {
  const launched = () => {
    const s = given([submitted('t1')], [box]);
    const [r] = requests(provision(s));
    if (r === undefined) throw new Error('no launch');
    return { s: after(s, [r]), r };
  };
  const record = (s: ProvisionState, c: ProvisionCommand) => decide(s, c);

  it('records the enrolled worker once, and ends the launch when it leaves', () => {
    const { s, r } = launched();
    const ref = { launchId: r.data.launchId, project: r.data.project, pool: r.data.pool };
    const cmd: ProvisionCommand = {
      type: 'record_started',
      data: { ...ref, workerId: 'wl1' as WorkerId },
      meta: { now: T0 + 300 },
    };
    const started = record(s, cmd);
    expect(started).toEqual([{ type: 'launch.started', data: cmd.data, meta: { at: T0 + 300 } }]);
    const s2 = after(s, [...started, enrolled('wl1')]);
    expect(record(s2, cmd)).toEqual([]);
    expect(s2.pool.launches.live[r.data.launchId]?.status).toBe('started');
    const s3 = after(s2, [ev('worker.left', { workerId: 'wl1', project: P.health, pool: POOL })]);
    expect(s3.pool.launches.live).toEqual({});
    // The choice stays for `fleet status`.
    expect(s3.pool.launches.choices[`${P.health}/t1`]).toMatchObject({ template: 'box' });
  });

  it('backs a failed template off, doubling, and shows it in why-waiting', () => {
    const { s, r } = launched();
    const fail = (st: ProvisionState, launchId: LaunchId, now: number) =>
      record(st, {
        type: 'record_failure',
        data: {
          launchId,
          project: r.data.project,
          pool: r.data.pool,
          code: 'runtime_not_found',
          message: 'no image',
        },
        meta: { now },
      });
    const [f1] = fail(s, r.data.launchId, T0 + 1000);
    expect(f1).toMatchObject({ type: 'launch.failed', data: { retryAt: T0 + 2000 } });
    const s2 = after(s, f1 === undefined ? [] : [f1]);
    expect(why(s2, 't1')).toMatch(
      /^launch from template box \(docker\) failed 1x \(runtime_not_found: no image\); retry after/,
    );
    // Backing off: nothing launches before retryAt, then it tries again.
    expect(provision(s2, 4, T0 + 1999)).toEqual([]);
    const [again] = requests(provision(s2, 4, T0 + 2000));
    expect(again?.data.template).toBe('box');
    const s3 = after(s2, again === undefined ? [] : [again]);
    const [f2] = fail(s3, again?.data.launchId as LaunchId, T0 + 3000);
    expect(f2?.type === 'launch.failed' && f2.data.retryAt).toBe(T0 + 3000 + 2000);
  });

  it('fails a launch whose worker never enrolled in time', () => {
    const { s, r } = launched();
    const events = provision(s, 0, T0 + 200 + 60_001);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'launch.failed',
      data: { launchId: r.data.launchId, code: 'start_timeout' },
    });
  });

  it('sends start timeouts alone, and launches in the round after them', () => {
    const s = given([submitted('t1'), submitted('t2')], [box]);
    const [r1] = requests(provision(s, 1));
    const s1 = after(s, r1 === undefined ? [] : [r1]);
    const late = T0 + 200 + 60_001;
    const timeouts = provision(s1, 4, late);
    // t2 waits, and box has room, yet only the failure goes in this round.
    expect(timeouts.map((e) => e.type)).toEqual(['launch.failed']);
    const s2 = after(s1, timeouts, late);
    const next = requests(provision(s2, 4, late + 5_000));
    expect(next.map((e) => e.data.taskId).sort()).toEqual(['t1', 't2']);
  });

  it('refuses launch events the log does not support', () => {
    const s = given([submitted('t1')], [box]);
    const stray = ev('launch.started', {
      launchId: 'l00000000000000ff',
      project: P.health,
      pool: POOL,
      workerId: 'w9',
    });
    const forTaskUnknown = ev('launch.requested', {
      launchId: 'l00000000000000fe',
      project: P.health,
      pool: POOL,
      taskId: 'nope',
      template: 'box',
      runtime: 'docker',
      keyId: 'k9',
      cost: 0,
      reason: 'x',
    });
    const { verdicts } = evolve(s, { seq: 9, at: T0 + 9, events: [stray, forTaskUnknown] });
    expect(verdicts.map((v) => v.kind === 'refused' && v.reason)).toEqual([
      'unknown_launch',
      'unknown_task',
    ]);
  });
});
