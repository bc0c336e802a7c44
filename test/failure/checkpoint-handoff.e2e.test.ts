import { Kvm } from '@nats-io/kv';
import { inject } from 'vitest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProjectId } from '../../events/index.ts';
import { EventLog } from '../../log/index.ts';
import { ProjectionCheckpoints, projectionBucket, serialise } from '../../projections/index.ts';
import { PROJECTIONS } from '../../projections/projection-states.ts';
import { startProjections } from '../../projections/start-projections.ts';
import { connectTest } from '../harness/index.ts';
import { ev, P, POOL } from '../support/builders.ts';
import { fleetFixture } from '../support/fleet-fixture.ts';
import type { FleetFixture } from '../support/fleet-fixture.ts';
import { spawnFleet } from '../support/spawn-fleet.ts';

// The issue: `fleet top --once` and `fleet costs` printed nothing for minutes on an idle fleet
// whose HUD had saved the projections' checkpoints. Here one process (the HUD's projections)
// saves them and another (the real CLI, spawned) reads them, for every kind of checkpoint a
// reader can meet: behind the stream, level with it, ahead of it, of an older projection
// version, of another stream, of a stream deleted and made again.

let f: FleetFixture;
let bucket: string;

beforeEach(async () => {
  f = await fleetFixture();
  bucket = projectionBucket(f.log.stream, f.log.subjects.root);
});
afterEach(async () => {
  await (await new Kvm(f.nc).open(bucket)).destroy().catch(() => undefined);
  await f.close();
});

/** `n` tasks submitted, assigned and completed with a cost: 3n messages after one enrollment. */
const work = async (from: number, n: number) => {
  const s = f.log.subjects;
  for (let i = from; i < from + n; i += 1) {
    const taskId = `t${i}`;
    await f.submit({ taskId });
    const ref = { taskId, project: P.health, pool: POOL, workerId: 'w1', attempt: 1 };
    await f.log.append(s.dispatch(P.health as ProjectId, POOL as never), {
      type: 'task.assigned',
      data: { ...ref, leaseExpiresAt: Date.now() + 60_000 },
      meta: { at: Date.now() },
    });
    await f.report(
      'w1',
      ev('task.completed', {
        ...ref,
        usage: { tokensIn: 10, tokensOut: 5, costUsd: 0.5, durationMs: 10 },
      }),
    );
  }
};

/** What the HUD does: fold the stream on a connection of its own, save checkpoints on stop. */
const hudSaves = async (log: EventLog = f.log) => {
  const nc = await connectTest();
  try {
    const own = await EventLog.open(nc, { stream: log.stream, root: log.subjects.root });
    const p = await startProjections({ log: own, checkpointEvery: 1 });
    const position = p.position();
    await p.stop();
    return position;
  } finally {
    await nc.close();
  }
};

/** `fleet <args>` on the fixture's stream, in a process of its own, to a clean exit: its stdout. */
const cliRead = async (...args: string[]): Promise<string> => {
  const run = spawnFleet([
    '--nats',
    inject('natsUrl'),
    '--stream',
    f.log.stream,
    '--root',
    f.log.subjects.root,
    ...args,
  ]);
  const { code } = await run.exited;
  // A slow start may tell its progress on stderr; it must not fail.
  expect(code, run.stderr()).toBe(0);
  expect(run.stderr()).not.toMatch(/error/);
  return run.stdout();
};

/** `fleet costs --json` in a process of its own: its position and completed count. */
const cliCosts = async () => {
  const out = JSON.parse(await cliRead('costs', '--json')) as {
    position: number;
    total: { completed: number };
  };
  return { position: out.position, completed: out.total.completed };
};

/** `fleet top --once` in a process of its own: the seq of its frame. */
const cliTop = async () => Number(/— seq (\d+) —/.exec(await cliRead('top', '--once'))?.[1]);

/** Rewrites every saved checkpoint through `change`. */
const forge = async (
  change: (c: { version: number; position: number; origin: string }) => void,
) => {
  const store = await ProjectionCheckpoints.open(f.nc, bucket);
  for (const p of Object.values(PROJECTIONS)) {
    const c = await store.load(p.name, p.version, p.schema as never);
    if (c === undefined) throw new Error(`no checkpoint of ${p.name}`);
    const copy = { ...c };
    change(copy);
    await store.save(p.name, serialise(copy));
  }
};

// Each spawned command starts tsx anew: seconds apiece on a loaded machine.
describe('checkpoints saved by one process, read by another', { timeout: 180_000 }, () => {
  it('reads the whole stream whether the checkpoints are behind it, level with it, or there are none', async () => {
    await f.enroll('w1');
    await work(0, 20);
    expect(await cliCosts()).toEqual({ position: 61, completed: 20 });
    expect(await hudSaves()).toBe(61);
    expect(await cliTop()).toBe(61);
    expect(await cliCosts()).toEqual({ position: 61, completed: 20 });
    await work(20, 30); // the checkpoints are now 90 messages behind
    expect(await cliCosts()).toEqual({ position: 151, completed: 50 });
    expect(await cliTop()).toBe(151);
    expect(await hudSaves()).toBe(151);
    await work(50, 1);
    expect(await cliTop()).toBe(154);
  });

  it('refolds over checkpoints ahead of the stream, of an older version, or of another stream', async () => {
    await f.enroll('w1');
    await work(0, 10);
    await hudSaves();
    await forge((c) => (c.position += 1_000));
    expect(await cliCosts()).toEqual({ position: 31, completed: 10 });
    expect(await cliTop()).toBe(31);

    await hudSaves();
    await forge((c) => (c.version -= 1));
    expect(await cliCosts()).toEqual({ position: 31, completed: 10 });

    await hudSaves();
    await forge((c) => (c.origin = `OTHER@${c.origin.split('@')[1]}`));
    expect(await cliTop()).toBe(31);
  });

  it('refolds a stream deleted and made again under its name, though its checkpoints are ahead', async () => {
    await f.enroll('w1');
    await work(0, 10);
    expect(await hudSaves()).toBe(31);
    await f.log.jsm.streams.delete(f.log.stream);
    await EventLog.open(f.nc, { stream: f.log.stream, root: f.log.subjects.root });
    await f.enroll('w1');
    await work(100, 2);
    expect(await cliCosts()).toEqual({ position: 7, completed: 2 });
    expect(await cliTop()).toBe(7);
  });
});
