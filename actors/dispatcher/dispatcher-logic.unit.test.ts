import { describe, expect, it } from 'vitest';
import type { PoolId } from '../../events/index.ts';
import { log, POOL, submitted } from '../../test/support/builders.ts';
import { subjects } from '../../events/index.ts';
import { dispatcherLogic } from './dispatcher-logic.ts';
import { evolveEntries, initialState, toPlainState } from '../../domain/pool/index.ts';
import type { LiveTask } from '../../domain/pool/index.ts';

const pool = POOL as PoolId;
const live = (t: unknown) => t as LiveTask;

describe('the dispatcher state in memory', () => {
  it('shares one demand per signature, folded live and restored from a snapshot alike', () => {
    const state = evolveEntries(
      initialState({ pool }),
      log([
        [submitted('t1'), submitted('t2')],
        submitted('t3', { requirements: { models: ['llama'] } }),
        submitted('t4', { requirements: { models: ['other'] } }),
      ]),
    );
    const { t1, t3, t4 } = {
      t1: live(state.tasks.get('health-prod/t1')),
      t3: live(state.tasks.get('health-prod/t3')),
      t4: live(state.tasks.get('health-prod/t4')),
    };
    expect(t3.demand).toBe(t1.demand);
    expect(t4.demand).not.toBe(t1.demand);

    const logic = dispatcherLogic(subjects('fleet'), { pool });
    const restored = logic.restore(JSON.parse(JSON.stringify(toPlainState(state))));
    expect(restored).toEqual(state);
    const r1 = live(restored?.tasks.get('health-prod/t1'));
    const r3 = live(restored?.tasks.get('health-prod/t3'));
    expect(r3.demand).toBe(r1.demand);
    expect(r1.demand).toBe(restored?.demands[r1.reqSig]);
  });
});
