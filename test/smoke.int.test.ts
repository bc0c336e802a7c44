/**
 * End-to-end smoke test of the wire contract and the dispatcher core against the harness's
 * real nats-server: the stream config, subjects, codec, JetStream dedupe and optimistic
 * concurrency on a decision subject, folded back with the pure core.
 */
import {
  jetstream,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstreamManager,
} from '@nats-io/jetstream';
import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide, evolveEntries, initialState } from '../domain/pool/index.ts';
import type { DispatchState } from '../domain/pool/index.ts';
import { decode, encode, Headers, streamConfig, subjects } from '../events/index.ts';
import type { LogEntry, PoolId, ProjectId, TaskId, WorkerId } from '../events/index.ts';
import { connectTest, uniqueName } from './harness/index.ts';
import { enrolled, log, P, POOL, submitted } from './support/builders.ts';

const project = P.health as ProjectId;
const pool = POOL as PoolId;
const workerId = 'w1' as WorkerId;
const taskIds = ['t1', 't2', 't3'] as TaskId[];

/** A task of the (single) test project by id, however the state keys its tasks. */
const task = (s: DispatchState, id: string) => [...s.tasks.values()].find((t) => t.id === id);
/** Ids of the tasks a worker holds. */
const heldIds = (s: DispatchState, w: string) =>
  (s.workers[w]?.held ?? []).map((k) => s.tasks.get(k)?.id);

/** A stored message as the fold sees it: readable events, or the codec's refusal. */
const toEntry = (m: JsMsg, root: string): LogEntry => {
  const at = m.time.getTime();
  const decoded = decode(m.subject, m.data, { root });
  return decoded.ok
    ? { seq: m.seq, at, events: decoded.value.events }
    : { seq: m.seq, at, refused: { code: decoded.error.code, message: decoded.error.message } };
};

/** Reads a whole stream, in order, with an ordered consumer (no filter: server 2.9 friendly). */
const readAll = async (
  js: JetStreamClient,
  stream: string,
  lastSeq: number,
): Promise<{ seq: number; subject: string; msg: JsMsg }[]> => {
  const out: { seq: number; subject: string; msg: JsMsg }[] = [];
  if (lastSeq === 0) return out;
  const consumer = await js.consumers.get(stream);
  const messages = await consumer.consume({ max_messages: 100, expires: 5_000 });
  try {
    for await (const m of messages) {
      out.push({ seq: m.seq, subject: m.subject, msg: m });
      if (m.seq >= lastSeq) break;
    }
  } finally {
    await messages.close();
  }
  return out;
};

describe('smoke: contract + core on a real JetStream', () => {
  let nc: NatsConnection;
  const root = uniqueName('r');
  const name = uniqueName('s').toUpperCase();
  const sub = subjects(root);

  beforeAll(async () => {
    nc = await connectTest();
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add(streamConfig({ name, root }));
  });

  afterAll(async () => {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(name);
    await expect(jsm.streams.info(name)).rejects.toThrow();
    await nc.close();
  });

  const fold = async (): Promise<{ state: DispatchState; entries: LogEntry[]; last: number }> => {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(name);
    const stored = await readAll(jetstream(nc), name, info.state.last_seq);
    expect(stored.map((s) => s.seq)).toEqual(
      Array.from({ length: info.state.messages }, (_, i) => i + 1),
    );
    const entries = stored.map((s) => toEntry(s.msg, root));
    return {
      state: evolveEntries(initialState({ pool }), entries),
      entries,
      last: info.state.last_seq,
    };
  };

  it('appends, dedupes, refuses unreadable messages, and serialises decisions', async () => {
    const js = jetstream(nc);

    // A worker enrolled by the registrar on its member subject.
    const enroll = await js.publish(
      sub.member(project, pool, workerId),
      encode(enrolled(workerId, { capacity: 2 })),
    );
    expect(enroll).toMatchObject({ stream: name, seq: 1, duplicate: false });

    // Three submissions as ONE batch message, deduplicated by a batch id. The first append sets
    // the header by the contract's name, the retry through the client's option: the server
    // dedupes across both, so the contract's header name is the one JetStream honours.
    const batch = encode(taskIds.map((id) => submitted(id)));
    expect(JSON.parse(new TextDecoder().decode(batch))).toHaveProperty('batch.length', 3);
    const batchId = uniqueName('batch');
    const h = headers();
    h.set(Headers.msgId, batchId);
    const first = await js.publish(sub.submit(project, pool), batch, { headers: h });
    expect(first).toMatchObject({ seq: 2, duplicate: false });
    const retry = await js.publish(sub.submit(project, pool), batch, { msgID: batchId });
    expect(retry).toMatchObject({ seq: 2, duplicate: true });

    // Stored but unreadable: bytes that are not JSON, and a subject the contract does not know.
    const junk = await js.publish(sub.submit(project, pool), new TextEncoder().encode('not json'));
    expect(junk).toMatchObject({ seq: 3, duplicate: false });
    const stray = await js.publish(`${root}.x`, encode(submitted('t9')));
    expect(stray).toMatchObject({ seq: 4, duplicate: false });

    const before = await fold();
    expect(before.last).toBe(4); // the duplicate did not make a 5th message
    expect(before.entries.map((e) => ('refused' in e ? e.refused.code : 'ok'))).toEqual([
      'ok',
      'ok',
      'malformed_json',
      'bad_subject',
    ]);
    const s = before.state;
    expect(s.position).toBe(4);
    expect(Object.values(s.workers).map((w) => [w.id, w.status])).toEqual([[workerId, 'active']]);
    expect([...s.tasks.values()].map((t) => [t.id, t.status])).toEqual(
      taskIds.map((id) => [id, 'queued']),
    );
    expect(s.rejections.byReason).toEqual({ unreadable: 2 });
    expect(s.rejections.recent.map((r) => r.seq)).toEqual([3, 4]);

    // The dispatcher decides from the folded state...
    const now = Date.now();
    const decision = decide(s, {
      type: 'serve_claims',
      data: { claims: [{ workerId, project, pool, max: 2 }], budget: 1000 },
      meta: { now },
    });
    expect(decision.map((e) => e.type)).toEqual(['task.assigned', 'task.assigned']);
    const assigned = decision.flatMap((e) => (e.type === 'task.assigned' ? [e.data.taskId] : []));
    // Two distinct tasks of the batch (which two: see the batch-order test below).
    expect(new Set(assigned).size).toBe(2);
    const [a1, a2] = assigned;
    const waiting = taskIds.find((id) => !assigned.includes(id));
    if (a1 === undefined || a2 === undefined || waiting === undefined) throw new Error('no tasks');

    // ...and appends it only if nobody else decided on this subject since: the first decision
    // expects no prior message on the dispatch subject (sequence 0).
    const dispatch = sub.dispatch(project, pool);
    const dh = headers();
    dh.set(Headers.expectedLastSubjectSequence, '0');
    dh.set(Headers.msgId, uniqueName('d'));
    const accepted = await js.publish(dispatch, encode(decision), { headers: dh });
    expect(accepted).toMatchObject({ seq: 5, duplicate: false });

    // A rival (a stale replica) decided from the same state a moment later and also expects
    // sequence 0: the server refuses it. Distinct msg id, so this is concurrency, not dedupe.
    const rival = decide(s, {
      type: 'serve_claims',
      data: { claims: [{ workerId, project, pool, max: 2 }], budget: 1000 },
      meta: { now: now + 1_000 },
    });
    const refusal = js.publish(dispatch, encode(rival), {
      msgID: uniqueName('d'),
      expect: { lastSubjectSequence: 0 },
    });
    await expect(refusal).rejects.toBeInstanceOf(JetStreamApiError);
    await expect(refusal).rejects.toMatchObject({
      code: JetStreamApiCodes.StreamWrongLastSequence,
    });
    await expect(refusal).rejects.toThrow(/wrong last sequence/);

    // The log holds the first decision only, and the fold makes it effective.
    const after = await fold();
    expect(after.last).toBe(5);
    const t = (id: string) => task(after.state, id);
    expect([t(a1)?.status, t(a2)?.status, t(waiting)?.status]).toEqual([
      'assigned',
      'assigned',
      'queued',
    ]);
    const first1 = t(a1);
    expect(
      first1?.status === 'assigned' && [first1.workerId, first1.attempt, first1.leaseExpiresAt],
    ).toEqual([workerId, 1, now + 60_000]);
    expect(heldIds(after.state, workerId)).toEqual(assigned);
    expect(after.state.rejections.byReason).toEqual({ unreadable: 2 });

    // With the decision folded, the next decision expects the dispatch subject's last sequence.
    const next = await js.publish(dispatch, encode(rival), {
      msgID: uniqueName('d'),
      expect: { lastSubjectSequence: accepted.seq },
    });
    expect(next).toMatchObject({ seq: 6, duplicate: false });
    const final = await fold();
    // Accepted by the server, but the fold refuses a decision on tasks no longer queued.
    expect(final.state.rejections.byReason).toEqual({ unreadable: 2, task_not_queued: 2 });
    expect(heldIds(final.state, workerId)).toEqual(assigned);
  });

  // The tasks of one batch share a stream sequence: a tie on `submittedSeq` must keep the
  // batch's order (it once put each tie at the front of its bucket, serving t3, t2, t1).
  it('serves the tasks of one batch in submission order', () => {
    const entries = log([enrolled(workerId, { capacity: 3 }), taskIds.map((id) => submitted(id))]);
    const decision = decide(evolveEntries(initialState({ pool }), entries), {
      type: 'serve_claims',
      data: { claims: [{ workerId, project, pool, max: 3 }], budget: 1000 },
      meta: { now: 0 },
    });
    expect(decision.flatMap((e) => (e.type === 'task.assigned' ? [e.data.taskId] : []))).toEqual(
      taskIds,
    );
  });
});
