import { JetStreamApiError } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
import { connectTest, uniqueName } from '../test/harness/index.ts';
import { trimHead, unguardedStream } from '../test/support/stream-damage.ts';
import { EventLog } from './event-log.ts';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const undo of cleanup.splice(0).reverse()) await undo();
});

/** A connection with every right on the harness's server: what the operator's admin has. */
const admin = async (): Promise<NatsConnection> => {
  const nc = await connectTest();
  cleanup.push(() => nc.close());
  return nc;
};
const location = () => ({ stream: uniqueName('g').toUpperCase(), root: uniqueName('g') });

const appendSome = async (log: EventLog, n: number) => {
  for (let i = 0; i < n; i += 1)
    await log.append(log.subjects.retention(), {
      type: 'retention.point',
      data: { stream: log.stream, firstSeq: 2, reason: 'x', at: 1, operator: 'O', signature: 's' },
      meta: { at: 1 },
    });
};

/** Whether the server refuses a purge, a message delete, and lifting either flag. */
const expectGuarded = async (log: EventLog) => {
  const { config, state } = await log.jsm.streams.info(log.stream);
  expect(config).toMatchObject({ deny_purge: true, deny_delete: true });
  await expect(log.jsm.streams.purge(log.stream)).rejects.toThrow(/stream purge not permitted/);
  await expect(log.jsm.streams.purge(log.stream, { seq: 2 })).rejects.toThrow(
    /stream purge not permitted/,
  );
  await expect(log.jsm.streams.deleteMessage(log.stream, 1)).rejects.toThrow(
    /message delete not permitted/,
  );
  await expect(log.jsm.streams.deleteMessage(log.stream, 1, false)).rejects.toThrow(
    JetStreamApiError,
  );
  await expect(
    log.jsm.streams.update(log.stream, { ...config, deny_purge: false, deny_delete: false }),
  ).rejects.toThrow(/can not cancel deny/);
  expect((await log.jsm.streams.info(log.stream)).state).toMatchObject({
    first_seq: state.first_seq,
    messages: state.messages,
  });
};

describe('EventLog.open guards the stream against purge and delete', () => {
  it('creates the stream refusing purge and message delete, even to the admin', async () => {
    const nc = await admin();
    const log = await EventLog.open(nc, location());
    cleanup.push(() => log.jsm.streams.delete(log.stream));
    await appendSome(log, 3);
    await expectGuarded(log);
  });

  it('guards a stream an older Fleet made, once opened with the right to update it', async () => {
    const nc = await admin();
    const where = location();
    const jsm = await unguardedStream(nc, where);
    cleanup.push(() => jsm.streams.delete(where.stream));
    expect((await jsm.streams.info(where.stream)).config).toMatchObject({
      deny_purge: false,
      deny_delete: false,
    });
    const log = await EventLog.open(nc, where);
    await appendSome(log, 3);
    await expectGuarded(log);
  });

  it('still lets the operator’s limits remove the head', async () => {
    const nc = await admin();
    const log = await EventLog.open(nc, location());
    cleanup.push(() => log.jsm.streams.delete(log.stream));
    await appendSome(log, 5);
    expect(await trimHead(log.jsm, log.stream, 2)).toBe(4);
    const { config, state } = await log.jsm.streams.info(log.stream);
    expect(state).toMatchObject({ first_seq: 4, last_seq: 5, messages: 2 });
    // The limit is lifted again and the guard is untouched.
    expect(config).toMatchObject({ max_msgs: -1, deny_purge: true, deny_delete: true });
  });
});
