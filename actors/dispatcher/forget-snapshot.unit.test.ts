/**
 * Forgetting ended tasks is part of the fold, so a snapshot must carry what it needs (the
 * pool's clock, the ended tasks in the order they ended): a state restored from a snapshot
 * taken anywhere, folding the rest of the log, forgets the same tasks at the same place and
 * gives the same verdicts as the state that folded the whole log.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LogEntry, PoolId } from '../../events/index.ts';
import { evolveEntryInPlace, initialState, taskAt, taskKey } from '../../domain/pool/index.ts';
import type { DispatchState } from '../../domain/pool/index.ts';
import { ev, enrolled, P, POOL, submitted } from '../../test/support/builders.ts';
import { CONFIG } from '../../test/support/pool-world.ts';
import { historyArb } from '../../test/support/pool-generators.ts';
import { Run, playOrExplain } from '../../test/support/pool-simulator.ts';
import { decodeState, encodeState } from './snapshot-format.ts';

const restore = async (s: DispatchState): Promise<DispatchState> => {
  const parts = await encodeState(s, 7);
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  const back = decodeState(bytes, s.config);
  if (back === undefined) throw new Error('the snapshot did not read back');
  return back;
};

const shown = (s: DispatchState) => ({ ...s, tasks: new Map(s.tasks) });

const same = (a: unknown, b: unknown) => {
  if (!isDeepStrictEqual(a, b)) expect(a).toEqual(b);
};

/** Tasks that end one after another, dead letters among them, ids used again later. */
const history = (): LogEntry[] => {
  const w = (attempt: number) => ({ project: P.health, pool: POOL, workerId: 'w1', attempt });
  const events = [[0, enrolled('w1', { capacity: 4 })] as const];
  const out: (readonly [number, ReturnType<typeof ev>])[] = [...events];
  for (let i = 0; i < 300; i += 1) {
    const t = i * 50;
    const taskId = `t${i % 120}`;
    out.push([t, submitted(taskId, { maxAttempts: 1 })]);
    out.push([t, ev('task.assigned', { taskId, ...w(1), leaseExpiresAt: 10 ** 12 })]);
    out.push([
      t + 5,
      i % 5 === 0
        ? ev('task.failed', {
            taskId,
            ...w(1),
            error: { code: 'x', message: 'x' },
            retryable: true,
          })
        : ev('task.completed', { taskId, ...w(1) }),
    ]);
  }
  return out.map(([at, e], i) => ({ seq: i + 1, at, events: [e] }));
};

describe('forgetting across a snapshot', () => {
  const config = {
    pool: POOL as PoolId,
    endedTasksKept: 10,
    forgetEndedAfterMs: 1_000,
    forgetDeadLettersAfterMs: 4_000,
  };

  it('a restored state forgets what the live one forgets, with the same verdicts', async () => {
    const entries = history();
    for (const cut of [0, 100, 451, 899]) {
      const live = initialState(config);
      for (const e of entries.slice(0, cut)) evolveEntryInPlace(live, e);
      let restored = await restore(live);
      same(shown(restored), shown(live));
      for (const [i, e] of entries.slice(cut).entries()) {
        same(evolveEntryInPlace(restored, e), evolveEntryInPlace(live, e));
        if (i % 97 === 13) restored = await restore(restored);
      }
      same(shown(restored), shown(live));
      // Early tasks are forgotten, the latest still known.
      expect(taskAt(live, taskKey(P.health, 't59'))).toMatchObject({ status: 'completed' });
      const q = live.forgetting.ended;
      // One end every 50 ms of stream time, forgotten after 1 s: about 20 still to forget.
      expect(q.keys.length - q.head).toBeLessThan(40);
    }
  });

  it('over random pool histories, forgetting within a few seconds of stream time', async () => {
    await fc.assert(
      fc.asyncProperty(historyArb, fc.nat(), async (steps, cutSeed) => {
        const run = new Run();
        playOrExplain(run, steps);
        const entries: LogEntry[] = run.log.map((l) => l.entry);
        const cut = cutSeed % (entries.length + 1);
        const short = { ...CONFIG, forgetEndedAfterMs: 1_500, forgetDeadLettersAfterMs: 3_000 };
        const live = initialState(short);
        for (const entry of entries.slice(0, cut)) evolveEntryInPlace(live, entry);
        const restored = await restore(live);
        for (const entry of entries.slice(cut))
          same(evolveEntryInPlace(restored, entry), evolveEntryInPlace(live, entry));
        same(shown(restored), shown(live));
      }),
      { numRuns: 40 },
    );
  }, 300_000);
});
