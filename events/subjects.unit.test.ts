import { describe, expect, it } from 'vitest';
import { ErrorCode } from './errors.ts';
import { EventSchemas } from './fleet-event.ts';
import { isId, isName } from './ids.ts';
import type { KeyId, PoolId, ProjectId, WorkerId } from './ids.ts';
import { dispatcherFilter, projectFilter } from './streams.ts';
import {
  allowedTypes,
  DEFAULT_ROOT,
  parseRpcSubject,
  parseSubject,
  SubjectKind,
  subjects,
} from './subjects.ts';
import type { ParsedSubject } from './subjects.ts';

const project = 'acme' as ProjectId;
const pool = 'gpu-pool_1' as PoolId;
const worker = 'W_1-a' as WorkerId;
const key = 'Key-1' as KeyId;

/** A subject of every kind, built by the builders, with what parseSubject must return. */
const everyKind = (root: string): [string, ParsedSubject][] => {
  const s = subjects(root);
  const kinds: Record<SubjectKind, [string, ParsedSubject]> = {
    submit: [s.submit(project, pool), { kind: 'submit', project, pool }],
    cancel: [s.cancel(project, pool), { kind: 'cancel', project, pool }],
    dispatch: [s.dispatch(project, pool), { kind: 'dispatch', project, pool }],
    rejected: [s.rejected(project, pool), { kind: 'rejected', project, pool }],
    report: [s.report(project, pool, worker), { kind: 'report', project, pool, workerId: worker }],
    member: [s.member(project, pool, worker), { kind: 'member', project, pool, workerId: worker }],
    key: [s.key(project, key), { kind: 'key', project, keyId: key }],
    retention: [s.retention(), { kind: 'retention' }],
    limits: [s.limits(project, pool), { kind: 'limits', project, pool }],
    launch: [s.launch(project, pool), { kind: 'launch', project, pool }],
  };
  return Object.values(kinds);
};

/** NATS subject matching: `*` is one token, a trailing `>` one or more. */
const matches = (filter: string, subject: string): boolean => {
  const f = filter.split('.');
  const t = subject.split('.');
  for (const [i, token] of f.entries()) {
    if (token === '>') return t.length > i;
    if (i >= t.length || (token !== '*' && token !== t[i])) return false;
  }
  return f.length === t.length;
};

describe('subject builders round-trip through parseSubject', () => {
  it.each(everyKind(DEFAULT_ROOT))('%s', (subject, expected) => {
    expect(parseSubject(subject)).toEqual({ ok: true, value: expected });
  });

  it.each(everyKind('acme_fleet-2'))('%s under a custom root', (subject, expected) => {
    expect(parseSubject(subject, 'acme_fleet-2')).toEqual({ ok: true, value: expected });
    expect(parseSubject(subject).ok).toBe(false);
  });

  it('covers every SubjectKind', () => {
    expect(everyKind(DEFAULT_ROOT).map(([, p]) => p.kind)).toEqual(Object.values(SubjectKind));
  });

  it('accepts tokens at their longest (64 characters)', () => {
    const long = 'a'.repeat(64);
    const s = subjects();
    expect(parseSubject(s.member(long as ProjectId, long as PoolId, long as WorkerId)).ok).toBe(
      true,
    );
    expect(parseSubject(s.key(long as ProjectId, long as KeyId)).ok).toBe(true);
  });

  it('treats kind words as ordinary pool names', () => {
    for (const name of ['submit', 'worker', 'member', 'keys', 'report']) {
      expect(parseSubject(`fleet.acme.${name}.submit`)).toEqual({
        ok: true,
        value: { kind: 'submit', project: 'acme', pool: name },
      });
    }
  });
});

describe('parseSubject refuses', () => {
  it.each([
    ['the empty subject', ''],
    ['a wrong root', 'nats.acme.gpu.submit'],
    ['a root prefix', 'fleetx.acme.gpu.submit'],
    ['the rpc root (claims)', 'fleet_rpc.acme.gpu.w1.claim'],
    ['the rpc root (enroll)', 'fleet_rpc.enroll'],
    ['the root alone', 'fleet'],
    ['no pool', 'fleet.acme'],
    ['no kind', 'fleet.acme.gpu'],
    ['an unknown kind', 'fleet.acme.gpu.submitted'],
    ['an extra token after submit', 'fleet.acme.gpu.submit.x'],
    ['an extra token after cancel', 'fleet.acme.gpu.cancel.x'],
    ['an extra token after dispatch', 'fleet.acme.gpu.dispatch.x'],
    ['an extra token after rejected', 'fleet.acme.gpu.rejected.x'],
    ['an extra token after member', 'fleet.acme.gpu.member.w1.x'],
    ['an extra token after report', 'fleet.acme.gpu.worker.w1.report.x'],
    ['an extra token after a key', 'fleet.acme._keys.k1.x'],
    ['member without a worker', 'fleet.acme.gpu.member'],
    ['worker without report', 'fleet.acme.gpu.worker.w1'],
    ['worker with another verb', 'fleet.acme.gpu.worker.w1.claim'],
    ['an empty project token', 'fleet..gpu.submit'],
    ['an empty pool token', 'fleet.acme..submit'],
    ['a trailing dot', 'fleet.acme.gpu.submit.'],
    ['an uppercase project', 'fleet.Acme.gpu.submit'],
    ['an uppercase pool', 'fleet.acme.GPU.submit'],
    ['a wildcard project', 'fleet.*.gpu.submit'],
    ['a full wildcard', 'fleet.>'],
    ['a project starting with -', 'fleet.-acme.gpu.submit'],
    ['a project of 65 characters', `fleet.${'a'.repeat(65)}.gpu.submit`],
    ['a project named _keys', 'fleet._keys.gpu.submit'],
    ['a pool named like _x', 'fleet.acme._x.submit'],
    ['a pool named like _x (report)', 'fleet.acme._x.worker.w1.report'],
    ['_keys without a key id', 'fleet.acme._keys'],
    ['_keys with an empty key id', 'fleet.acme._keys.'],
    ['_keys with a bad key id', 'fleet.acme._keys.-bad'],
    ['_keys with a wildcard key id', 'fleet.acme._keys.*'],
    ['_keys with a 65-character key id', `fleet.acme._keys.${'k'.repeat(65)}`],
    ['a member with a bad worker id', 'fleet.acme.gpu.member._w'],
    ['a report with a bad worker id', 'fleet.acme.gpu.worker.w@1.report'],
    ['whitespace in a token', 'fleet.acme.gpu pool.submit'],
    ['an operator subject other than retention', 'fleet._ops.purge'],
    ['a token after the retention subject', 'fleet._ops.retention.x'],
    ['_ops as a pool', 'fleet.acme._ops.retention'],
  ])('%s: %j', (_, subject) => {
    const r = parseSubject(subject);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe(ErrorCode.BadSubject);
      expect(r.error.message).toContain(subject);
    }
  });
});

describe('parseRpcSubject', () => {
  const s = subjects();

  it('round-trips the claim and heartbeat builders', () => {
    expect(parseRpcSubject(s.claim(project, pool, worker))).toEqual({
      ok: true,
      value: { kind: 'claim', project, pool, workerId: worker },
    });
    expect(parseRpcSubject(s.heartbeat(project, pool, worker))).toEqual({
      ok: true,
      value: { kind: 'hb', project, pool, workerId: worker },
    });
  });

  it.each([
    s.submit(project, pool),
    s.enroll(),
    'fleet_rpc.acme.gpu.w1.claim.x',
    'fleet_rpc.acme.gpu.w1.report',
    'fleet_rpc.Acme.gpu.w1.claim',
    'fleet_rpc.acme._x.w1.hb',
    'fleet_rpc.acme.gpu._w.claim',
    'fleet_rpc.acme.gpu.*.claim',
  ])('refuses %j', (subject) => {
    const r = parseRpcSubject(subject);
    expect(!r.ok && r.error.code).toBe(ErrorCode.BadSubject);
  });
});

describe('names and ids', () => {
  it.each(['a', '0', 'acme', 'a-b_c', 'x'.repeat(64)])('%j is a name', (n) => {
    expect(isName(n)).toBe(true);
  });
  it.each(['', 'A', 'Acme', '_x', '-x', 'a.b', 'a b', 'a*', 'x'.repeat(65)])(
    '%j is not a name',
    (n) => {
      expect(isName(n)).toBe(false);
    },
  );
  it.each(['a', 'A', 'W_1-a', 'x'.repeat(64)])('%j is an id', (n) => {
    expect(isId(n)).toBe(true);
  });
  it.each(['', '_a', '-a', 'a.b', 'a>', 'a/b', 'x'.repeat(65)])('%j is not an id', (n) => {
    expect(isId(n)).toBe(false);
  });
});

describe('allowedTypes', () => {
  it('admits every event type on exactly one kind of subject', () => {
    const all = Object.values(allowedTypes).flat();
    expect([...all].sort()).toEqual(Object.keys(EventSchemas).sort());
    expect(new Set(all).size).toBe(all.length);
  });
});

describe('filters', () => {
  const s = subjects();
  const stored = everyKind(DEFAULT_ROOT).map(([subject]) => subject);
  // Every stored subject but the operator's, which belongs to no project or pool.
  const ofProjects = stored.filter((x) => x !== s.retention());

  it('the stream captures every stored subject and no request/reply subject', () => {
    for (const subject of stored) expect(matches(s.all(), subject), subject).toBe(true);
    for (const rpc of [
      s.claim(project, pool, worker),
      s.heartbeat(project, pool, worker),
      s.enroll(),
    ])
      expect(matches(s.all(), rpc), rpc).toBe(false);
  });

  it("a pool's dispatcher sees its pool's subjects of every project, not other pools or keys", () => {
    const filter = dispatcherFilter(pool);
    for (const subject of ofProjects.filter((x) => !x.includes('._keys.')))
      expect(matches(filter, subject), subject).toBe(true);
    expect(matches(filter, s.key(project, key))).toBe(false);
    expect(matches(filter, s.retention())).toBe(false);
    expect(matches(filter, s.submit('other' as ProjectId, pool))).toBe(true);
    expect(matches(filter, s.submit(project, 'cpu' as PoolId))).toBe(false);
  });

  it('a tenant sees only its own project', () => {
    for (const subject of ofProjects) expect(matches(projectFilter(project), subject)).toBe(true);
    expect(matches(projectFilter('other' as ProjectId), s.submit(project, pool))).toBe(false);
    expect(matches(projectFilter(project), s.retention())).toBe(false);
  });

  it("a pool's dispatcher serves the pool's claims and heartbeats", () => {
    expect(matches(s.poolClaims(pool), s.claim(project, pool, worker))).toBe(true);
    expect(matches(s.poolHeartbeats(pool), s.heartbeat(project, pool, worker))).toBe(true);
    expect(matches(s.poolClaims(pool), s.claim(project, 'cpu' as PoolId, worker))).toBe(false);
  });
});
