import { setTimeout as sleep } from 'node:timers/promises';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { afterEach, describe, expect, it } from 'vitest';
import { connectTest, uniqueName } from '../test/harness/index.ts';
import { openRead } from './stream-read.ts';
import type { Heal, Read } from './stream-read.ts';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const undo of cleanup.splice(0).reverse()) await undo();
});

const STALL_CHECK_MS = 200;

describe('a read of one subject while others are written', () => {
  it('is not reopened for the messages its consumer skipped, and still gets each of its own', async () => {
    const nc = await connectTest();
    cleanup.push(() => nc.close());
    const jsm = await jetstreamManager(nc);
    const js = jetstream(nc);
    const stream = uniqueName('r').toUpperCase();
    const root = uniqueName('r');
    await jsm.streams.add({ name: stream, subjects: [`${root}.>`] });
    cleanup.push(() => jsm.streams.delete(stream));

    const heals: Heal[] = [];
    const got: number[] = [];
    const read: Read = await openRead(
      nc,
      jsm,
      stream,
      `${root}.mine.*`,
      { seq: 1 },
      (item) => got.push(item.seq),
      { stallCheckMs: STALL_CHECK_MS, onHeal: (h) => heals.push(h) },
    );
    cleanup.push(() => read.stop());

    const mine = (await js.publish(`${root}.mine.a`, 'm')).seq;
    for (let i = 0; i < 50; i += 1) await js.publish(`${root}.other.${i % 5}`, 'o');
    await expect.poll(() => got, { timeout: 20_000 }).toEqual([mine]);
    const last = (await jsm.streams.info(stream)).state.last_seq;
    // The consumer moves past the other subjects' messages without sending them.
    await expect
      .poll(async () => (await jsm.consumers.list(stream).next())[0]?.delivered.stream_seq, {
        timeout: 20_000,
      })
      .toBe(last);
    // Nothing is expected to happen, so there is no event to await: watch several checks pass.
    await sleep(10 * STALL_CHECK_MS);
    expect(heals).toEqual([]);

    // Its own next message still arrives (a check that finds it in flight may reopen the read
    // on so short a stall check: that is a heal for a real message, not a skipped one).
    const later = (await js.publish(`${root}.mine.b`, 'm')).seq;
    await expect.poll(() => got, { timeout: 20_000 }).toEqual([mine, later]);
  });
});
