import { afterEach, describe, expect, it } from 'vitest';
import { RuntimeTemplate } from '../../events/index.ts';
import type { EventOf, KeyId, LaunchId, TaskId } from '../../events/index.ts';
import { taskKey } from '../../domain/pool/index.ts';
import type { DispatchState } from '../../domain/pool/index.ts';
import { audit, readLog } from '../../projections/audit/index.ts';
import type { AuditItem } from '../../projections/audit/index.ts';
import { HEARTBEAT_MS, pool, project, workerFleet } from '../../test/support/worker-fleet.ts';
import type { WorkerFleet } from '../../test/support/worker-fleet.ts';
import { startProvisioner } from './provisioner.ts';
import type { Provisioner } from './provisioner.ts';

const fn = RuntimeTemplate.parse({
  name: 'fn',
  runtime: { kind: 'lambda', maxDurationMs: 60_000, memoryMb: 512 },
  models: ['llama'],
  cost: 1,
  maxConcurrent: 2,
});

let fleet: WorkerFleet | undefined;
let provisioner: Provisioner | undefined;
afterEach(async () => {
  await provisioner?.stop();
  await fleet?.close();
  provisioner = undefined;
  fleet = undefined;
});

const until = (w: WorkerFleet, check: (s: DispatchState) => boolean): Promise<void> =>
  new Promise((resolve) => {
    if (check(w.d.host.state)) {
      resolve();
      return;
    }
    const off = w.d.host.onFold(() => {
      if (!check(w.d.host.state)) return;
      off();
      resolve();
    });
  });

const auditStream = async (w: WorkerFleet) => {
  const items: AuditItem[] = [];
  await readLog(w.f.log, (item) => {
    items.push(item);
    return undefined;
  });
  return audit(items);
};

describe('fleet audit re-checks the provisioners’ launches on a stored stream', () => {
  it(
    'finds a real provisioner’s launches founded, and flags the ones forged into the log',
    { timeout: 90_000 },
    async () => {
      const w = (fleet = await workerFleet());
      await w.f.submit({ taskId: 't1' }, { taskId: 't2' }, { taskId: 't3' });
      provisioner = await startProvisioner({
        log: w.f.log,
        pool,
        templates: [fn],
        handlerFor: () => (task) => Promise.resolve({ output: task.taskId }),
        heartbeatMs: HEARTBEAT_MS,
        claimWaitMs: 1_000,
        tickMs: 100,
      });
      await until(w, (s) =>
        ['t1', 't2', 't3'].every((id) => {
          const t = s.tasks.get(taskKey(project, id));
          return t === undefined
            ? s.ended[taskKey(project, id)] !== undefined
            : t.status === 'completed';
        }),
      );
      await until(w, (s) => Object.keys(s.launches.live).length === 0);
      await provisioner.stop();
      provisioner = undefined;

      const clean = await auditStream(w);
      expect(clean.violations.filter((v) => v.kind.startsWith('launch_'))).toEqual([]);
      expect(clean.counts.launches['launch.requested']).toBeGreaterThanOrEqual(3);

      // Tampering, with the operator's rights: a start no request announced, a launch for a task
      // long completed, and its key made reusable.
      const launch = w.f.log.subjects.launch(project, pool);
      const at = Date.now();
      const forgedStart = await w.f.log.append(launch, {
        type: 'launch.started',
        data: {
          launchId: 'l00000000000000f1',
          project,
          pool,
          workerId: 'wx',
        },
        meta: { at },
      });
      const forgedRequest = await w.f.log.append(launch, {
        type: 'launch.requested',
        data: {
          launchId: 'l00000000000000f2' as LaunchId,
          project,
          pool,
          taskId: 't1' as TaskId,
          template: 'fn',
          runtime: 'lambda',
          keyId: 'klforged' as KeyId,
          cost: 1,
          reason: 'forged',
          maxConcurrent: 2,
          foldedSeq: forgedStart.seq,
        },
        meta: { at },
      } satisfies EventOf<'launch.requested'>);
      const forgedKey = await w.f.log.append(w.f.log.subjects.key(project, 'klforged' as KeyId), {
        type: 'key.issued',
        data: {
          keyId: 'klforged',
          project,
          pool,
          models: ['llama'],
          labels: {},
          exclusive: [],
          maxUses: 5,
          expiresAt: at + 60_000,
          secretHash: '0'.repeat(64),
        },
        meta: { at },
      });

      const tampered = await auditStream(w);
      expect(tampered.ok).toBe(false);
      const launchViolations = tampered.violations.filter((v) => v.kind.startsWith('launch_'));
      expect(launchViolations.map((v) => [v.kind, v.seqs.at(-1)])).toEqual([
        ['launch_unfounded', forgedStart.seq],
        ['launch_unfounded', forgedRequest.seq],
        ['launch_key_invalid', forgedKey.seq],
      ]);
      expect(launchViolations[1]?.detail).toMatch(/the task was completed, not queued/);
      expect(launchViolations[2]?.detail).toMatch(/allows 5 uses/);
    },
  );
});
