import { afterEach, describe, expect, it } from 'vitest';
import type { ProjectId } from '../events/index.ts';
import type { ProjectionsSnapshot, Scope } from '../projections/index.ts';
import { renderMetrics, startHud } from './index.ts';
import type { Hud, SnapshotSource, TaskQuery } from './index.ts';

// Rendering and serialisation only: a fake snapshot provider stands in for the projections
// here. The HUD over real projections is tested in hud-tenancy.int.test.ts and the browser test.

const histogram = (count: number, p50: number | null, p99: number | null) => ({
  count,
  meanMs: count === 0 ? null : 12,
  minMs: count === 0 ? null : 1,
  maxMs: count === 0 ? null : 90,
  p50Ms: p50,
  p95Ms: p99,
  p99Ms: p99,
  buckets: count === 0 ? [] : [{ leMs: p50 ?? 1, count }],
});
const workers = (busy: number) => ({ idle: 1, busy, draining: 0, lost: 0, revoked: 0, left: 0 });
const tasks = (completed: number) => ({
  queued: 2,
  assigned: 1,
  completed,
  failed: 0,
  cancelled: 0,
  dead_lettered: 0,
  timed_out: 0,
});
const figures = (usd: number) => ({
  completed: 3,
  failed: 0,
  failures: 0,
  tokensIn: 100,
  tokensOut: 40,
  costUsd: usd,
  estimatedUsd: 0,
  unpricedTokens: 0,
  computeSeconds: 1,
});
const counts = (byReason: Record<string, number>) => ({
  total: Object.values(byReason).reduce((a, b) => a + b, 0),
  byReason,
});

/** A snapshot of two projects, as the projections would cut it for `scope`. */
const fakeSnapshot = (scope: Scope, completed: number): ProjectionsSnapshot => {
  const projects = ['alpha', 'be"ta'].filter(
    (p) => scope.kind === 'operator' || scope.project === p,
  );
  return {
    position: 42,
    at: 1_700_000_000_000,
    fleet: {
      projects,
      totals: { workers: workers(1), tasks: tasks(completed), queued: 2, held: 1, capacity: 4 },
      pools: projects.map((project) => ({
        project,
        pool: 'gpu',
        workers: workers(1),
        held: 1,
        capacity: 4,
        queued: 2,
        oldestQueuedAt: 1_699_999_998_500,
        oldestQueuedAgeMs: 1_500,
        tasks: tasks(completed),
      })),
      workers: projects.map((project, i) => ({
        workerId: `w-${project === 'alpha' ? 'a' : 'b'}${i}`,
        project,
        pool: 'gpu',
        runtime: 'process' as const,
        models: ['llama'],
        labels: {},
        status: 'busy' as const,
        held: 1,
        capacity: 4,
        load: 0.25,
        enrolledSeq: 1,
        lastSeenAt: null,
        progress: [],
      })),
      workerGroups: [],
      waiting: [],
      limits: [],
      throughput: { windowMs: 60_000, completed, failed: 0, perSecond: completed / 60, byPool: [] },
      launches: { live: [], backoff: [] },
    },
    costs: {
      total: figures(0.5),
      byProject: projects.map((project) => ({ project, ...figures(0.25) })),
      rows: [],
      byWorker: [],
      hourly: [],
    },
    latency: {
      total: { submitToAssign: histogram(3, 1.2, 4), assignToComplete: histogram(0, null, null) },
      groups: [],
    },
    rejections: {
      claims: counts({ cross_project: projects.length }),
      submissions: counts({}),
      events: counts({}),
      byProject: projects.map((project) => ({
        project,
        claims: counts({ cross_project: 1 }),
        submissions: counts({}),
        events: counts({}),
      })),
      recent: [],
    },
  };
};

/** A fake provider whose `change()` bumps the completed count and tells the listeners. */
const fakeSource = () => {
  let completed = 0;
  const listeners = new Set<() => void>();
  const scopes: Scope[] = [];
  const source: SnapshotSource & { change(): void; scopes: Scope[] } = {
    snapshot: (scope) => {
      scopes.push(scope);
      return fakeSnapshot(scope, completed);
    },
    onChange: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    change: () => {
      completed += 1;
      for (const l of listeners) l();
    },
    scopes,
  };
  return source;
};

const OPERATOR = 'operator-token-0123456789';
const ALPHA = 'alpha-token-0123456789ab';
const tokens = { operator: [OPERATOR], projects: { [ALPHA]: 'alpha' as ProjectId } };

let hud: Hud | undefined;
afterEach(async () => {
  await hud?.stop();
  hud = undefined;
});

const get = (path: string, headers: Record<string, string> = {}) => {
  if (hud === undefined) throw new Error('no hud');
  return fetch(new URL(path, hud.url), { headers });
};

/** Reads SSE frames from a response body until `until` holds or the stream ends. */
const readEvents = async (
  res: Response,
  until: (frames: { at: number; text: string }[]) => boolean,
) => {
  const frames: { at: number; text: string }[] = [];
  const reader = (res.body as ReadableStream<Uint8Array> | null)?.getReader();
  if (reader === undefined) throw new Error('no body');
  const decoder = new TextDecoder();
  let buffer = '';
  while (!until(frames)) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      frames.push({ at: Date.now(), text: buffer.slice(0, end) });
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf('\n\n');
    }
  }
  await reader.cancel();
  return frames;
};
const snapshotsIn = (frames: { text: string }[]) =>
  frames
    .filter((f) => f.text.startsWith('event: snapshot\n'))
    .map((f) => JSON.parse(f.text.slice(f.text.indexOf('data: ') + 6)) as ProjectionsSnapshot);

describe('the HUD server', () => {
  it('refuses requests without a token or with an unknown one, with a JSON error', async () => {
    hud = await startHud({ projections: fakeSource(), tokens });
    for (const [path, headers] of [
      ['/api/snapshot', {}],
      ['/api/events', {}],
      ['/metrics', {}],
      ['/', {}],
      ['/api/snapshot?token=nope', {}],
      ['/api/snapshot', { authorization: `Bearer ${OPERATOR}x` }],
      ['/api/snapshot', { authorization: `Basic ${OPERATOR}` }],
      // A header, when present, is the credential: a valid query token does not override it.
      [`/metrics?token=${OPERATOR}`, { authorization: 'Bearer wrong' }],
    ] as const) {
      const res = await get(path, headers);
      expect(res.status, path).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await res.json()).toMatchObject({ error: 'unauthorized' });
    }
    expect((await get('/nope', { authorization: `Bearer ${OPERATOR}` })).status).toBe(404);
    const post = await fetch(new URL(`/api/snapshot?token=${OPERATOR}`, hud.url), {
      method: 'POST',
    });
    expect(post.status).toBe(405);
  });

  it('serves the snapshot of the token’s scope, by header or query', async () => {
    const source = fakeSource();
    hud = await startHud({ projections: source, tokens });
    // The history's first sample read every scope at start; from now on, only the requests'.
    source.scopes.length = 0;
    const all = (await (
      await get('/api/snapshot', { authorization: `Bearer ${OPERATOR}` })
    ).json()) as ProjectionsSnapshot & { scope: Scope };
    expect(all.scope).toEqual({ kind: 'operator' });
    expect(all.fleet.projects).toEqual(['alpha', 'be"ta']);
    const res = await get(`/api/snapshot?token=${ALPHA}`);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const alpha = (await res.json()) as ProjectionsSnapshot & { scope: Scope };
    expect(alpha.scope).toEqual({ kind: 'project', project: 'alpha' });
    expect(alpha.fleet.projects).toEqual(['alpha']);
    expect(source.scopes).toEqual([{ kind: 'operator' }, { kind: 'project', project: 'alpha' }]);
  });

  it('streams a snapshot on connect and after changes, at most one per 250 ms, with heartbeats', async () => {
    const source = fakeSource();
    hud = await startHud({ projections: source, tokens, heartbeatMs: 100 });
    const res = await get(`/api/events?token=${OPERATOR}`);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await expect.poll(() => hud?.streams()).toBe(1);
    // A burst of changes every 20 ms for 600 ms.
    const burst = setInterval(() => {
      source.change();
    }, 20);
    let frames: { at: number; text: string }[];
    try {
      frames = await readEvents(
        res,
        (f) => snapshotsIn(f).length >= 3 && f.some((x) => x.text.startsWith(': heartbeat')),
      );
    } finally {
      clearInterval(burst);
    }
    const events = frames.filter((f) => f.text.startsWith('event: snapshot'));
    const [first, ...rest] = snapshotsIn(frames);
    expect(first?.fleet.totals.tasks.completed).toBe(0);
    // Coalesced: far fewer events than changes, each later one newer, and spaced ≥ 250 ms.
    expect(rest.map((s) => s.fleet.totals.tasks.completed)).toEqual(
      [...rest.map((s) => s.fleet.totals.tasks.completed)].sort((a, b) => a - b),
    );
    expect(rest[0]?.fleet.totals.tasks.completed).toBeGreaterThan(0);
    for (let i = 2; i < events.length; i += 1)
      expect((events[i]?.at ?? 0) - (events[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(230);
    await expect.poll(() => hud?.streams()).toBe(0);
  });

  it('renders Prometheus text of the scope, labels escaped', async () => {
    hud = await startHud({ projections: fakeSource(), tokens });
    const res = await get('/metrics', { authorization: `Bearer ${OPERATOR}` });
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain('# TYPE fleet_workers gauge');
    expect(text).toContain('fleet_workers{project="alpha",pool="gpu",status="busy"} 1');
    expect(text).toContain('fleet_queue_depth{project="be\\"ta",pool="gpu"} 2');
    expect(text).toContain('fleet_queue_oldest_age_seconds{project="alpha",pool="gpu"} 1.5');
    expect(text).toContain('fleet_tasks_total{project="alpha",pool="gpu",status="queued"} 2');
    expect(text).toContain('fleet_cost_usd_total{project="alpha"} 0.25');
    expect(text).toContain('fleet_tokens_total{project="alpha",direction="out"} 40');
    expect(text).toContain('fleet_latency_seconds{kind="submit_to_assign",quantile="0.99"} 0.004');
    expect(text).toContain('fleet_latency_seconds_count{kind="assign_to_complete"} 0');
    expect(text).not.toContain('kind="assign_to_complete",quantile');
    expect(text).toContain(
      'fleet_rejections_total{kind="claim",reason="cross_project",project="alpha"} 1',
    );
    // Every line is a comment or `name{labels} value` (blank lines part the families).
    for (const line of text
      .trimEnd()
      .split('\n')
      .filter((l) => l !== ''))
      expect(line).toMatch(/^(# (HELP|TYPE) \w+ .+|\w+(\{.*\})? [-+0-9.eE]+|\w+(\{.*\})? NaN)$/);

    const alpha = await (await get(`/metrics?token=${ALPHA}`)).text();
    expect(alpha).toContain('project="alpha"');
    expect(alpha).not.toContain('be\\"ta');
    expect(await renderMetrics(fakeSnapshot({ kind: 'operator' }, 0))).toBe(
      await (await get(`/metrics?token=${OPERATOR}`)).text(),
    );
  });

  it('serves the page whole, with a policy that allows nothing remote', async () => {
    hud = await startHud({ projections: fakeSource(), tokens });
    const res = await get(`/?token=${OPERATOR}`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/connect-src 'self'/);
    expect(csp).not.toMatch(/unsafe-inline|https?:/);
    const html = await res.text();
    expect(html).toMatch(/<style>[\s\S]*--bg:[\s\S]*<\/style>/);
    expect(html).toMatch(/<script>[\s\S]*new EventSource[\s\S]*<\/script>/);
    expect(html).not.toMatch(/<(script|link)[^>]+(src|href)=/);
    // The one address in the page: the banner comment of the charting library, naming its source.
    expect(html.match(/https?:\/\/\S*/g)).toEqual(['https://github.com/leeoniya/uPlot']);
    expect(html).toContain('/*! https://github.com/leeoniya/uPlot (v1.6.32) */');
    expect(html).not.toMatch(/@import|@font-face|url\(/);
  });

  it('closes its streams and its port on stop', async () => {
    hud = await startHud({ projections: fakeSource(), tokens });
    const res = await get(`/api/events?token=${OPERATOR}`);
    await expect.poll(() => hud?.streams()).toBe(1);
    const reading = readEvents(res, () => false);
    await hud.stop();
    expect(snapshotsIn(await reading)).toHaveLength(1);
    await expect(fetch(hud.url)).rejects.toThrow();
  });

  it('falls back to a free port when asked, and fails clearly otherwise', async () => {
    hud = await startHud({ projections: fakeSource(), tokens });
    const port = Number(new URL(hud.url).port);
    const other = await startHud({ projections: fakeSource(), tokens, port, portFallback: true });
    try {
      expect(Number(new URL(other.url).port)).not.toBe(port);
    } finally {
      await other.stop();
    }
    await expect(startHud({ projections: fakeSource(), tokens, port })).rejects.toThrow(
      /cannot listen/,
    );
  });

  it('reads at most two task searches at once, and answers a failed read 502', async () => {
    const asked: TaskQuery[] = [];
    const held: (() => void)[] = [];
    const errors: unknown[] = [];
    let fail = false;
    hud = await startHud({
      projections: fakeSource(),
      tokens,
      tasks: (query) => {
        asked.push(query);
        if (fail) return Promise.reject(new Error('read failed'));
        return new Promise((resolve) => held.push(() => resolve([])));
      },
      onError: (e) => errors.push(e),
    });
    const auth = { authorization: `Bearer ${ALPHA}` };
    const first = [get('/api/tasks', auth), get('/api/tasks?status=queued', auth)];
    await expect.poll(() => held.length).toBe(2);
    const busy = await get('/api/tasks', auth);
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('1');
    for (const release of held) release();
    expect((await Promise.all(first)).map((r) => r.status)).toEqual([200, 200]);
    expect(asked).toEqual([
      { project: 'alpha' },
      { project: 'alpha', statuses: new Set(['queued']) },
    ]);
    fail = true;
    const failed = await get('/api/tasks', auth);
    expect(failed.status).toBe(502);
    expect(await failed.json()).toMatchObject({ error: 'unavailable' });
    expect(errors).toHaveLength(1);
  });
});
