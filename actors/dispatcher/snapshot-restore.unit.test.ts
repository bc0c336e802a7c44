/**
 * A restored state is a different representation (queued tasks as rows, built when read:
 * `TaskTable`): over random pool histories, one restored from a snapshot taken at any point
 * must fold the rest of the log, decide and explain exactly as the state built live.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CheckLiveness, ServeClaims } from '../../events/index.ts';
import type { LogEntry } from '../../events/index.ts';
import {
  decide,
  evolveEntryInPlace,
  initialState,
  TaskTable,
  waitingReport,
} from '../../domain/pool/index.ts';
import type { DispatchState } from '../../domain/pool/index.ts';
import { CONFIG } from '../../test/support/pool-world.ts';
import { historyArb } from '../../test/support/pool-generators.ts';
import { checkInvariants } from '../../test/support/pool-checks.ts';
import { Run, playOrExplain } from '../../test/support/pool-simulator.ts';
import { decodeState, encodeState } from './snapshot-format.ts';

const concat = (parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

const restore = async (s: DispatchState): Promise<DispatchState> => {
  const back = decodeState(concat(await encodeState(s, 3)), s.config);
  if (back === undefined) throw new Error('the snapshot did not read back');
  return back;
};

/** What a state shows: itself with its tasks as a plain Map, and their order. */
const shown = (s: DispatchState) => ({
  state: { ...s, tasks: new Map(s.tasks) },
  order: [...s.tasks.keys()],
});

/** What the dispatcher decides and says on a state at `now`: claims of every active worker, liveness, the waiting report. */
const decisions = (s: DispatchState, now: number) => {
  const active = Object.values(s.workers).filter((w) => w.status === 'active');
  const claims = active.map((w) => ({
    workerId: w.id,
    project: w.capability.project,
    pool: CONFIG.pool,
    max: w.capacity,
  }));
  const serve = ServeClaims.parse({
    type: 'serve_claims',
    data: { claims, budget: 5 },
    meta: { now },
  });
  const lastSeen = Object.fromEntries(active.map((w) => [w.id, now - 500]));
  const live = CheckLiveness.parse({
    type: 'check_liveness',
    data: { lastSeen, graceFrom: now - 10_000 },
    meta: { now },
  });
  return { serve: decide(s, serve), live: decide(s, live), waiting: waitingReport(s) };
};

const same = (a: unknown, b: unknown) => {
  if (!isDeepStrictEqual(a, b)) expect(a).toEqual(b);
};

describe('a dispatcher state restored from its snapshot', () => {
  it('folds, decides and explains the rest of any history as the state built live', async () => {
    let restoredRows = 0;
    await fc.assert(
      fc.asyncProperty(historyArb, fc.nat(), async (steps, cutSeed) => {
        const run = new Run();
        playOrExplain(run, steps);
        const entries: LogEntry[] = run.log.map((l) => l.entry);
        const cut = cutSeed % (entries.length + 1);
        const live = initialState(CONFIG);
        for (const entry of entries.slice(0, cut)) evolveEntryInPlace(live, entry);
        let restored = await restore(live);
        if (!(restored.tasks instanceof TaskTable)) throw new Error('not restored as a table');
        if (restored.tasks.rowsNow().columns !== undefined) restoredRows += 1;
        same(shown(restored), shown(live));
        for (const [i, entry] of entries.slice(cut).entries()) {
          same(evolveEntryInPlace(restored, entry), evolveEntryInPlace(live, entry));
          checkInvariants(restored);
          same(shown(restored), shown(live));
          same(decisions(restored, entry.at), decisions(live, entry.at));
          // Now and then a snapshot of the restored state as it moved on, restored again.
          if (i % 7 === 3) {
            restored = await restore(restored);
            same(shown(restored), shown(live));
          }
        }
      }),
      { numRuns: 150 },
    );
    // The property says something only if restored tables kept rows that were not yet read.
    expect(restoredRows).toBeGreaterThan(15);
  }, 300_000);
});
