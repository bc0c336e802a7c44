import { describe, expect, it } from 'vitest';
import { relaySubject, subjectMatches, subjects } from '../events/index.ts';
import type { PoolId, ProjectId, WorkerId } from '../events/index.ts';
import {
  dispatcherPermissions,
  enrollPermissions,
  hudPermissions,
  inboxPrefix,
  observerPermissions,
  producerPermissions,
  registrarPermissions,
  workerPermissions,
} from './permissions.ts';
import type { Permissions } from './permissions.ts';

const ROOT = 'fleet';
const s = subjects(ROOT);
const HEALTH = 'health-prod' as ProjectId;
const FIN = 'fin-prod' as ProjectId;
const GPU = 'gpu' as PoolId;
const W = 'w1' as WorkerId;
const PK = `U${'A'.repeat(55)}`;

/** What nats-server decides for a publish: allowed by some allow and no deny. */
const mayPublish = (p: Permissions, subject: string) =>
  p.pub.allow.some((f) => subjectMatches(f, subject)) &&
  !p.pub.deny.some((f) => subjectMatches(f, subject));
const maySubscribe = (p: Permissions, filter: string) =>
  p.sub.allow.some((f) => subjectMatches(f, filter) || f === filter);

/** Every stored and request subject of a project, for a worker id (and status requester). */
const allOf = (project: ProjectId, worker: WorkerId, requester: string = PK) => [
  s.submit(project, GPU),
  s.cancel(project, GPU),
  s.dispatch(project, GPU),
  s.rejected(project, GPU),
  // The operator's limits, a pool's capacity and reserves among them.
  s.limits(project, GPU),
  s.report(project, GPU, worker),
  s.member(project, GPU, worker),
  s.key(project, 'k1' as never),
  s.claim(project, GPU, worker),
  s.heartbeat(project, GPU, worker),
  s.status(project, GPU),
  s.status(project, GPU, requester),
  relaySubject(ROOT, s.submit(project, GPU), requester),
  relaySubject(ROOT, s.cancel(project, GPU), requester),
  relaySubject(ROOT, s.report(project, GPU, worker), requester),
];

/** JetStream API subjects that change the stream or its messages, and KV's. */
const DESTRUCTIVE = [
  '$JS.API.STREAM.PURGE.FLEET',
  '$JS.API.STREAM.DELETE.FLEET',
  '$JS.API.STREAM.UPDATE.FLEET',
  '$JS.API.STREAM.MSG.DELETE.FLEET',
  '$JS.API.STREAM.CREATE.FLEET',
  '$JS.API.STREAM.PURGE.KV_fleet_snapshots',
  '$JS.API.STREAM.DELETE.KV_fleet_snapshots',
  '$JS.API.STREAM.MSG.DELETE.KV_fleet_projections',
  '$JS.API.STREAM.CREATE.OTHER',
  '$JS.API.CONSUMER.DELETE.OTHER.c',
];

describe('permissions', () => {
  it('a worker may publish exactly its report, claim, heartbeat and renewal', () => {
    const p = workerPermissions({ project: HEALTH, pool: GPU, workerId: W, publicKey: PK }, ROOT);
    expect(p.pub.allow).toEqual([
      `fleet_rpc.store.${PK}.health-prod.gpu.worker.w1.report`,
      'fleet_rpc.health-prod.gpu.w1.claim',
      'fleet_rpc.health-prod.gpu.w1.hb',
      'fleet_rpc.enroll',
    ]);
    expect(p.pub.deny).toEqual(['$JS.API.>']);
    expect(p.sub.allow).toEqual([`_INBOX.${PK}.>`]);
    for (const subject of [...allOf(FIN, W), ...allOf(HEALTH, 'w2' as WorkerId)])
      expect(mayPublish(p, subject)).toBe(false);
    // Its report goes through the gateway, under its own key: never straight to the stream.
    expect(allOf(HEALTH, W).filter((x) => mayPublish(p, x))).toEqual([
      s.claim(HEALTH, GPU, W),
      s.heartbeat(HEALTH, GPU, W),
      relaySubject(ROOT, s.report(HEALTH, GPU, W), PK),
    ]);
  });

  it('a producer may submit, cancel and ask status in its own project only, with no stream API', () => {
    const p = producerPermissions({ project: HEALTH, publicKey: PK }, ROOT);
    const allowed = allOf(HEALTH, W).filter((x) => mayPublish(p, x));
    // It stores through the gateway, under its own key: never straight to the stream.
    expect(allowed).toEqual([
      s.status(HEALTH, GPU, PK),
      relaySubject(ROOT, s.submit(HEALTH, GPU), PK),
      relaySubject(ROOT, s.cancel(HEALTH, GPU), PK),
    ]);
    // Another producer's status subject, whose answers go to that producer's inbox: never.
    expect(mayPublish(p, s.status(HEALTH, GPU, `U${'B'.repeat(55)}`))).toBe(false);
    expect(allOf(FIN, W).filter((x) => mayPublish(p, x))).toEqual([]);
    for (const api of ['$JS.API.CONSUMER.CREATE.FLEET', '$JS.API.DIRECT.GET.FLEET'])
      expect(mayPublish(p, api)).toBe(false);
  });

  it('no tenant-side user may read other users’ replies', () => {
    const users = [
      workerPermissions({ project: HEALTH, pool: GPU, workerId: W, publicKey: PK }, ROOT),
      producerPermissions({ project: HEALTH, publicKey: PK }, ROOT),
      enrollPermissions(PK, ROOT),
    ];
    for (const p of users) {
      expect(maySubscribe(p, '_INBOX.>')).toBe(false);
      expect(maySubscribe(p, `${inboxPrefix(PK)}.abc.1`)).toBe(true);
      expect(maySubscribe(p, `${inboxPrefix(`U${'B'.repeat(55)}`)}.abc.1`)).toBe(false);
    }
  });

  it('services write only what they own', () => {
    const dispatcher = dispatcherPermissions({ root: ROOT });
    const registrar = registrarPermissions({ root: ROOT });
    const readers = [observerPermissions(PK, { root: ROOT }), hudPermissions(PK, { root: ROOT })];
    expect(allOf(HEALTH, W).filter((x) => mayPublish(dispatcher, x))).toEqual([
      s.dispatch(HEALTH, GPU),
      s.rejected(HEALTH, GPU),
    ]);
    expect(allOf(HEALTH, W).filter((x) => mayPublish(registrar, x))).toEqual([
      s.member(HEALTH, GPU, W),
      s.key(HEALTH, 'k1' as never),
    ]);
    for (const r of readers)
      expect(allOf(HEALTH, W).filter((x) => mayPublish(r, x))).toEqual([s.status(HEALTH, GPU, PK)]);
    const observer = observerPermissions(PK, { root: ROOT, stream: 'FLEET' });
    expect(mayPublish(observer, '$JS.API.STREAM.DELETE.FLEET')).toBe(false);
    expect(mayPublish(observer, '$JS.API.CONSUMER.CREATE.FLEET.x.fleet.>')).toBe(true);
    expect(mayPublish(observer, '$JS.API.CONSUMER.CREATE.OTHER')).toBe(false);
  });

  it('no service may purge, delete or reconfigure a stream: only the operator may', () => {
    const services = [
      dispatcherPermissions({ root: ROOT }),
      registrarPermissions({ root: ROOT }),
      observerPermissions(PK, { root: ROOT }),
      hudPermissions(PK, { root: ROOT }),
    ];
    for (const p of services)
      expect(
        DESTRUCTIVE.filter((api) => mayPublish(p, api)),
        JSON.stringify(p.pub),
      ).toEqual([]);
    expect(
      mayPublish(dispatcherPermissions({ root: ROOT }), '$KV.fleet_snapshots.dispatcher'),
    ).toBe(true);
    expect(mayPublish(hudPermissions(PK, { root: ROOT }), '$KV.fleet_snapshots.x')).toBe(false);
  });
});
