import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClaimReply, PoolId, ProjectId, WorkerId } from '../events/index.ts';
import type { HudSnapshot, TaskListEntry } from './index.ts';
import { waitReasonText } from '../domain/pool/index.ts';
import { startLiveFleet } from '../test/support/live-fleet.ts';
import type { LiveFleet } from '../test/support/live-fleet.ts';

// Tenancy through every route, over the real projections of a real fleet: two tenants, each
// with a worker that ran tasks and reported cost, and one cross-tenant claim that was refused.

let fleet: LiveFleet;
let alphaIds: string[];
let betaIds: string[];

beforeAll(async () => {
  fleet = await startLiveFleet({
    workers: [
      { project: 'alpha', pool: 'gpu', models: ['llama'] },
      { project: 'beta', pool: 'gpu', models: ['llama'] },
    ],
    taskMs: 5,
  });
  alphaIds = fleet.workers.filter((w) => w.identity.project === 'alpha').map((w) => w.id);
  betaIds = fleet.workers.filter((w) => w.identity.project === 'beta').map((w) => w.id);
  await fleet.submit('alpha', 'gpu', 'llama', 6);
  await fleet.submit('beta', 'gpu', 'llama', 4);
  // A beta worker asks for alpha's work: refused, and recorded under alpha's subject.
  const intruder = betaIds[0] ?? '';
  const reply = await fleet.nc.request(
    fleet.log.subjects.claim(
      ProjectId.parse('alpha'),
      PoolId.parse('gpu'),
      WorkerId.parse(intruder),
    ),
    JSON.stringify({ max: 1, waitMs: 1_000 }),
    { timeout: 5_000 },
  );
  expect(ClaimReply.parse(reply.json())).toMatchObject({ refused: { reason: 'cross_project' } });
  await fleet.until(
    (s) => s.fleet.totals.tasks.completed === 10 && s.rejections.claims.total === 1,
  );
});
afterAll(async () => {
  await fleet.close();
});

const get = (path: string, token?: string) =>
  fetch(new URL(path, fleet.hud.url), {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });

/** The first SSE snapshot of a stream opened with `?token=`. */
const firstEvent = async (token: string): Promise<string> => {
  const res = await get(`/api/events?token=${encodeURIComponent(token)}`);
  expect(res.status).toBe(200);
  const reader = (res.body as ReadableStream<Uint8Array> | null)?.getReader();
  if (reader === undefined) throw new Error('no body');
  const decoder = new TextDecoder();
  let text = '';
  while (!/event: snapshot\ndata: .*\n\n/.test(text)) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  return text;
};

const act = (action: string, token: string | undefined, body: unknown, type = 'application/json') =>
  fetch(new URL(`/api/actions/${action}`, fleet.hud.url), {
    method: 'POST',
    headers: {
      'content-type': type,
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

/** The type and subject of the event stored at `seq`. */
const storedAt = async (seq: number) => {
  const m = await fleet.log.jsm.streams.getMessage(fleet.log.stream, { seq });
  const text = new TextDecoder().decode(m?.data);
  return { subject: m?.subject, text };
};

describe('the HUD over a real fleet', () => {
  it('shows an operator every tenant’s workers, tasks, costs and refusals', async () => {
    const s = (await (await get('/api/snapshot', fleet.operatorToken)).json()) as HudSnapshot;
    expect(s.scope).toEqual({ kind: 'operator' });
    expect(s.fleet.projects).toEqual(['alpha', 'beta']);
    expect(s.fleet.workers.map((w) => w.workerId).sort()).toEqual([...alphaIds, ...betaIds].sort());
    expect(s.costs.byProject.map((c) => [c.project, c.completed])).toEqual([
      ['alpha', 6],
      ['beta', 4],
    ]);
    expect(s.rejections.claims.byReason).toEqual({ cross_project: 1 });
    const metrics = await (await get('/metrics', fleet.operatorToken)).text();
    expect(metrics).toContain('fleet_tasks_total{project="alpha",pool="gpu",status="completed"} 6');
    expect(metrics).toContain('fleet_tasks_total{project="beta",pool="gpu",status="completed"} 4');
    expect(metrics).toMatch(/fleet_cost_usd_total\{project="beta"\} 0\.002\b/);
    expect(metrics).toContain(
      'fleet_rejections_total{kind="claim",reason="cross_project",project="alpha"} 1',
    );
  });

  it('shows a tenant nothing of another tenant, through any route', async () => {
    const alpha = fleet.projectTokens['alpha'] ?? '';
    const bodies = {
      snapshot: await (await get('/api/snapshot', alpha)).text(),
      events: await firstEvent(alpha),
      metrics: await (await get('/metrics', alpha)).text(),
      history: await (await get('/api/history', alpha)).text(),
      page: await (await get(`/?token=${alpha}`)).text(),
    };
    for (const [route, body] of Object.entries(bodies)) {
      expect(body, route).not.toContain('beta');
      for (const id of betaIds) expect(body, route).not.toContain(id);
    }
    const s = JSON.parse(bodies.snapshot) as HudSnapshot;
    expect(s.scope).toEqual({ kind: 'project', project: 'alpha' });
    expect(s.fleet.workers.map((w) => w.workerId)).toEqual(alphaIds);
    expect(s.fleet.totals.tasks.completed).toBe(6);
    expect(s.costs.total.completed).toBe(6);
    expect(s.latency.total.assignToComplete.count).toBe(6);
    // Alpha sees that someone claimed its work, not who.
    expect(s.rejections.recent).toHaveLength(1);
    expect(s.rejections.recent[0]?.workerId).toBeNull();
    expect(bodies.events).toContain('"project":"alpha"');
    expect(bodies.metrics).toContain(
      'fleet_tasks_total{project="alpha",pool="gpu",status="completed"} 6',
    );
    expect(bodies.metrics).not.toMatch(/project="(?!alpha")/);

    const beta = fleet.projectTokens['beta'] ?? '';
    const b = await (await get('/api/snapshot', beta)).text();
    expect(b).not.toContain('alpha');
    for (const id of alphaIds) expect(b).not.toContain(id);
    expect((JSON.parse(b) as HudSnapshot).fleet.totals.tasks.completed).toBe(4);
  });

  it('serves each scope its recent history, so a page opened late draws the past at once', async () => {
    type History = { scope: unknown; points: { t: number; completed: number; run: unknown[] }[] };
    const history = async (token: string) =>
      (await (await get('/api/history', token)).json()) as History;
    // Sampled once a second after a change: the latest point reaches the totals.
    await expect
      .poll(async () => (await history(fleet.operatorToken)).points.at(-1)?.completed)
      .toBe(10);
    const all = await history(fleet.operatorToken);
    expect(all.scope).toEqual({ kind: 'operator' });
    const ts = all.points.map((p) => p.t);
    expect(ts).toEqual([...ts].sort((a, b) => a - b));
    expect(all.points.at(-1)?.run.length).toBeGreaterThan(0);
    const alpha = await history(fleet.projectTokens['alpha'] ?? '');
    expect(alpha.scope).toEqual({ kind: 'project', project: 'alpha' });
    expect(alpha.points.at(-1)?.completed).toBe(6);
    const beta = await history(fleet.projectTokens['beta'] ?? '');
    expect(beta.points.at(-1)?.completed).toBe(4);
  });

  it('takes a cancel from an operator only, checked, and stores it as task.cancelled', async () => {
    const post = (token: string | undefined, body: unknown, type?: string) =>
      act('cancel', token, body, type);
    const ref = { project: 'alpha', pool: 'gpu', taskId: 'never-run' };
    const alpha = fleet.projectTokens['alpha'] ?? '';
    expect((await post(undefined, ref)).status).toBe(401);
    expect((await post(alpha, ref)).status).toBe(403);
    expect((await get('/api/actions/cancel', fleet.operatorToken)).status).toBe(405);
    expect((await post(fleet.operatorToken, 'project=alpha', 'text/plain')).status).toBe(415);
    const bad = await post(fleet.operatorToken, { ...ref, project: 'Not A Project' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'invalid_request' });
    expect((await post(fleet.operatorToken, { ...ref, extra: 1 })).status).toBe(400);

    await fleet.submit('alpha', 'gpu', 'no-such-model', 1);
    const waiting = { project: 'alpha', pool: 'gpu', taskId: 'b3-0', reason: 'operator' };
    const ok = await post(fleet.operatorToken, waiting);
    expect(ok.status).toBe(202);
    expect(await ok.json()).toMatchObject({ action: 'cancel', seq: expect.any(Number) as unknown });
    await fleet.until(
      (s) => s.fleet.pools.find((p) => p.project === 'alpha')?.tasks.cancelled === 1,
    );
  });

  it('takes a redrive from an operator only, and refuses one of a task not dead-lettered', async () => {
    const ref = { project: 'alpha', pool: 'gpu', taskId: 'never-run' };
    expect((await act('redrive', fleet.projectTokens['alpha'] ?? '', ref)).status).toBe(403);
    expect((await act('redrive', fleet.operatorToken, { ...ref, taskId: '' })).status).toBe(400);
    const before = (await fleet.log.jsm.streams.info(fleet.log.stream)).state.last_seq;
    const refused = await act('redrive', fleet.operatorToken, { ...ref, reason: 'try again' });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({
      error: 'not_dead_lettered',
      message: expect.stringMatching(/never-run of alpha\/gpu is not dead-lettered/) as unknown,
    });
    // Nothing was stored for it.
    expect((await fleet.log.jsm.streams.info(fleet.log.stream)).state.last_seq).toBe(before);
  });

  it('answers 401 without a token, with a wrong one, and with a project token’s prefix', async () => {
    const alpha = fleet.projectTokens['alpha'] ?? '';
    for (const path of [
      '/',
      '/api/snapshot',
      '/api/history',
      '/api/tasks',
      '/api/events',
      '/metrics',
    ]) {
      for (const token of [undefined, 'wrong-token-0123456789', alpha.slice(0, -1)]) {
        const res = await get(path, token);
        expect(res.status, `${path} ${String(token)}`).toBe(401);
        expect(await res.json()).toEqual({
          error: 'unauthorized',
          message: expect.stringMatching(/token/) as unknown,
        });
      }
    }
  });

  it.each([
    ['drain', 'worker.draining', 'alpha', () => alphaIds[0] ?? '', 'left'],
    ['revoke', 'worker.revoked', 'beta', () => betaIds[0] ?? '', 'revoked'],
  ] as const)(
    'takes a %s from an operator only, checked, and stores it as %s',
    async (action, type, project, workerOf, after) => {
      const workerId = workerOf();
      const ref = { project, pool: 'gpu', workerId };
      const own = fleet.projectTokens[project] ?? '';
      expect((await act(action, undefined, ref)).status).toBe(401);
      expect((await act(action, own, ref)).status).toBe(403);
      expect((await get(`/api/actions/${action}`, fleet.operatorToken)).status).toBe(405);
      expect((await act(action, fleet.operatorToken, 'x', 'text/plain')).status).toBe(415);
      expect((await act(action, fleet.operatorToken, 'x'.repeat(5_000))).status).toBe(413);
      expect((await act(action, fleet.operatorToken, '{')).status).toBe(400);
      const bad = await act(action, fleet.operatorToken, { ...ref, workerId: '' });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ error: 'invalid_request' });
      expect((await act(action, fleet.operatorToken, { ...ref, extra: 1 })).status).toBe(400);
      const unknown = await act(action, fleet.operatorToken, { ...ref, workerId: 'w-nobody' });
      expect(unknown.status).toBe(409);
      expect(await unknown.json()).toMatchObject({ error: 'unknown_worker' });

      const ok = await act(action, fleet.operatorToken, ref);
      expect(ok.status).toBe(202);
      const { seq } = (await ok.json()) as { action: string; seq: number };
      const stored = await storedAt(seq);
      expect(stored.subject).toMatch(new RegExp(`\\.${project}\\.gpu\\.`));
      expect(JSON.parse(stored.text)).toMatchObject({
        type,
        data: { workerId, project, pool: 'gpu' },
      });
      await fleet.until(
        (s) => s.fleet.workers.find((w) => w.workerId === workerId)?.status === after,
      );
    },
  );

  it('lists the scope’s tasks, searched by id, status and label, a bounded page', async () => {
    const tasks = async (query: string, token: string | undefined = fleet.operatorToken) => {
      const res = await get(`/api/tasks?${query}`, token);
      return {
        status: res.status,
        body: (await res.json()) as { rows: TaskListEntry[]; total: number },
      };
    };
    expect((await get('/api/tasks')).status).toBe(401);
    expect((await fetch(new URL('/api/tasks', fleet.hud.url), { method: 'POST' })).status).toBe(
      405,
    );
    for (const bad of ['status=done', 'limit=0', 'limit=201', 'limit=x', 'label=zone'])
      expect((await tasks(bad)).status, bad).toBe(400);

    const done = await tasks('status=completed');
    expect(done.body.total).toBe(10);
    const two = await tasks('status=completed&limit=2');
    expect(two.body.total).toBe(10);
    expect(two.body.rows.map((r) => r.submittedSeq)).toEqual(
      done.body.rows.slice(0, 2).map((r) => r.submittedSeq),
    );
    expect(two.body.rows[0]?.submittedSeq).toBeGreaterThanOrEqual(
      two.body.rows[1]?.submittedSeq ?? 0,
    );
    // A project's token reads its own tasks only, whatever it searches for.
    const alpha = fleet.projectTokens['alpha'] ?? '';
    const own = await tasks('', alpha);
    expect(new Set(own.body.rows.map((r) => r.project))).toEqual(new Set(['alpha']));
    expect(own.body.total).toBe(7);
    expect((await tasks('id=b2-', alpha)).body.total).toBe(0);
    expect((await tasks('id=b2-')).body.total).toBe(4);
    expect((await tasks('status=cancelled,failed&id=b3')).body.rows.map((r) => r.taskId)).toEqual([
      'b3-0',
    ]);
    expect((await tasks('label=zone=eu')).body.total).toBe(0);

    // A queued task says why it waits, as the projection's waiting groups do.
    await fleet.submit('alpha', 'gpu', 'no-such-model', 1);
    await fleet.until((s) => s.fleet.waiting.some((w) => w.project === 'alpha'));
    const snap = (await (await get('/api/snapshot', fleet.operatorToken)).json()) as HudSnapshot;
    const group = snap.fleet.waiting.find((w) => w.project === 'alpha');
    const queued = await tasks('status=queued', alpha);
    expect(queued.body.rows.map((r) => [r.taskId, r.waiting])).toEqual([
      ['b4-0', group === undefined ? 'no group' : waitReasonText(group.reason)],
    ]);
  });
});
