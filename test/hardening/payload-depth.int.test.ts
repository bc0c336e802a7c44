/**
 * Deeply nested payloads against a running dispatcher and registrar on a real nats-server: the
 * producer client refuses a payload nested past the codec's limit before publishing anything,
 * and one just inside the limit, alone or in a batch, is stored and queued.
 */
import { describe, expect, it } from 'vitest';
import { submitTask, submitTasks } from '../../client/index.ts';
import { health, pool, useBadInputFleet } from './support/bad-input-fleet.ts';

const fleet = useBadInputFleet();

describe('bad input to a running dispatcher and registrar', () => {
  it('nests payloads up to the limit; the producer client refuses deeper ones, publishing nothing', async () => {
    const { f, d } = fleet;
    const s = f.log.subjects;
    const nested = (levels: number): unknown => {
      let v: unknown = 'leaf';
      for (let i = 0; i < levels; i += 1) v = [v];
      return v;
    };
    const task = (taskId: string, levels: number) => ({
      taskId,
      project: health,
      pool,
      payload: nested(levels) as never,
    });
    for (const levels of [61, 5_000])
      await expect(
        submitTask(f.nc, task(`deep-${levels}`, levels), { root: s.root }),
      ).rejects.toMatchObject({ code: 'invalid_input', path: 'payload' });
    await expect(
      submitTasks(f.nc, [task('fine', 1), task('too-deep', 61)], { root: s.root }),
    ).rejects.toMatchObject({ code: 'invalid_input', path: '1.payload' });
    expect((await f.log.jsm.streams.info(f.log.stream)).state.messages).toBe(0);
    // Just inside the limit, alone and in a batch (the deepest envelope), the codec accepts it.
    await submitTask(f.nc, task('alone', 60), { root: s.root });
    await submitTasks(f.nc, [task('in-batch-1', 60), task('in-batch-2', 60)], { root: s.root });
    await d.host.catchUp(s.submit(health, pool));
    for (const id of ['alone', 'in-batch-1', 'in-batch-2'])
      expect(d.host.state.tasks.get(`${health}/${id}`)?.status).toBe('queued');
    expect(d.host.state.rejections.byReason).toEqual({});
  });
});
