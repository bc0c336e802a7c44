import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encode, MAX_MESSAGE_BYTES } from '../../events/index.ts';
import type { FleetEvent, PoolId, ProjectId } from '../../events/index.ts';
import { readStream } from '../../examples/read-stream.ts';
import { P, POOL, submitted } from '../../test/support/builders.ts';
import { fleetFixture } from '../../test/support/fleet-fixture.ts';
import type { FleetFixture } from '../../test/support/fleet-fixture.ts';
import { ReportAppender } from './report-appender.ts';
import type { AppendMessage } from './report-appender.ts';

let f: FleetFixture;
beforeEach(async () => {
  f = await fleetFixture();
});
afterEach(async () => {
  await f.close();
});

const subject = () => f.log.subjects.submit(P.health as ProjectId, POOL as PoolId);
const store: AppendMessage = async (events) => (await f.log.append(subject(), events)).seq;
const events = (n: number): FleetEvent[] => Array.from({ length: n }, (_, i) => submitted(`t${i}`));

/** The task ids of each stored message, in stream order. */
const storedMessages = async (): Promise<string[][]> =>
  (await readStream(f.log)).map(({ entry }) =>
    'events' in entry ? entry.events.map((e) => ('taskId' in e.data ? e.data.taskId : '?')) : [],
  );

describe('the report appender (group commit)', () => {
  it('stores one turn’s events as one message, and what arrives during a store as the next', async () => {
    // The first message is held in flight until `release`.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let calls = 0;
    const appender = new ReportAppender(async (batch) => {
      calls += 1;
      if (calls === 1) await held;
      return store(batch, []);
    });
    const all = events(200);
    const first = all.slice(0, 150).map((e) => appender.append(e));
    await expect.poll(() => calls).toBe(1);
    // 50 more arrive while it is stored: nothing else goes out until its acknowledgement.
    const second = all.slice(150).map((e) => appender.append(e));
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toBe(1);
    release();
    const seqs = await Promise.all([...first, ...second]);

    expect(appender.messages).toBe(2);
    const stored = await storedMessages();
    expect(stored.map((m) => m.length)).toEqual([150, 50]);
    // Nothing lost, nothing stored twice, order kept; each promise names its own message.
    expect(stored.flat()).toEqual(all.map((_, i) => `t${i}`));
    expect(new Set(seqs.slice(0, 150))).toEqual(new Set([1]));
    expect(new Set(seqs.slice(150))).toEqual(new Set([2]));
  });

  it('splits a group at the event and byte limits, keeping every event', async () => {
    const byCount = new ReportAppender(store, { maxEvents: 50 });
    await Promise.all(events(200).map((e) => byCount.append(e)));
    expect((await storedMessages()).map((m) => m.length)).toEqual([50, 50, 50, 50]);

    // A limit smaller than one event still stores it, alone.
    const byBytes = new ReportAppender(store, { maxBytes: 1 });
    await Promise.all(events(3).map((e) => byBytes.append(e)));
    expect(byBytes.messages).toBe(3);
    expect((await storedMessages()).length).toBe(7);
  });

  it('counts a batch as encoded: exactly the byte limit is one message, a byte more is two', async () => {
    const pair = [submitted('a', { payload: 'x'.repeat(1000) }), submitted('b')];
    const batch = encode(pair).byteLength;
    const exact = new ReportAppender(store, { maxBytes: batch });
    await Promise.all(pair.map((e) => exact.append(e)));
    expect(exact.messages).toBe(1);
    const under = new ReportAppender(store, { maxBytes: batch - 1 });
    await Promise.all(pair.map((e) => under.append(e)));
    expect(under.messages).toBe(2);
    expect(await storedMessages()).toEqual([['a', 'b'], ['a'], ['b']]);
  });

  it('splits reports that together exceed the message limit, and every message is readable', async () => {
    // Three events of nearly half the limit each: any two together are one byte too many.
    const size = (payload: string) => encode(submitted('t0', { payload })).byteLength;
    const half = Math.ceil((MAX_MESSAGE_BYTES - '{"batch":[,]}'.length + 1) / 2);
    const payload = 'x'.repeat(half - size(''));
    const big = ['t0', 't1', 't2'].map((id) => submitted(id, { payload }));
    expect(encode(big.slice(0, 2)).byteLength).toBe(MAX_MESSAGE_BYTES + 1);
    const appender = new ReportAppender(store, { maxBytes: MAX_MESSAGE_BYTES });
    await Promise.all(big.map((e) => appender.append(e)));
    expect(appender.messages).toBe(3);
    // readStream decodes each message: all three are readable, none refused.
    expect(await storedMessages()).toEqual([['t0'], ['t1'], ['t2']]);
  });

  it('never groups beyond the message limit it is given, whatever bytes it may prefer', async () => {
    const pair = [submitted('a', { payload: 'x'.repeat(1000) }), submitted('b')];
    const batch = encode(pair).byteLength;
    const capped = new ReportAppender(store, { maxBytes: 10 * batch, messageBytes: batch - 1 });
    await Promise.all(pair.map((e) => capped.append(e)));
    expect(capped.messages).toBe(2);
  });

  it('fails only the events of a message that could not be stored, then goes on', async () => {
    let calls = 0;
    const flaky: AppendMessage = async (batch) => {
      calls += 1;
      if (calls === 2) throw new Error('NATS unreachable');
      return store(batch, []);
    };
    const appender = new ReportAppender(flaky);
    await expect(appender.append(submitted('a'))).resolves.toBe(1);
    const second = [appender.append(submitted('b')), appender.append(submitted('c'))];
    for (const p of second) await expect(p).rejects.toThrow('NATS unreachable');
    await expect(appender.append(submitted('d'))).resolves.toBe(2);
    expect(await storedMessages()).toEqual([['a'], ['d']]);
  });
});
