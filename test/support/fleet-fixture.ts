import type { NatsConnection } from '@nats-io/transport-node';
import { ClaimReply, HeartbeatReply } from '../../events/index.ts';
import type { FleetEventInput, PoolId, ProjectId, WorkerId } from '../../events/index.ts';
import { EventLog } from '../../log/index.ts';
import { connectTest, uniqueName } from '../harness/index.ts';
import { P, POOL } from './builders.ts';

/** A private stream and subject root on the harness's nats-server, for one test. */
export interface FleetFixture {
  readonly nc: NatsConnection;
  readonly log: EventLog;
  /** Appends a worker enrollment as the registrar would. */
  enroll(workerId: string, over?: Record<string, unknown>): Promise<void>;
  /** Appends task submissions (one message; a batch when several). */
  submit(...tasks: { taskId: string; [k: string]: unknown }[]): Promise<void>;
  /** Sends a claim as worker `workerId` on the subject of `project`, and decodes the reply. */
  claim(
    workerId: string,
    opts?: { project?: string; max?: number; waitMs?: number; id?: number },
  ): Promise<ClaimReply>;
  /** Sends a heartbeat and decodes the reply. */
  heartbeat(
    workerId: string,
    attempts?: { taskId: string; attempt: number }[],
    project?: string,
  ): Promise<HeartbeatReply>;
  /** Appends a report from a worker on its own report subject. */
  report(workerId: string, event: FleetEventInput, project?: string): Promise<void>;
  close(): Promise<void>;
}

/** Opens a fresh log (unique stream and root) on the test server. */
export const fleetFixture = async (): Promise<FleetFixture> => {
  const nc = await connectTest();
  const log = await EventLog.open(nc, {
    stream: uniqueName('s').toUpperCase(),
    root: uniqueName('r'),
  });
  const s = log.subjects;
  const pool = POOL as PoolId;
  const json = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));
  return {
    nc,
    log,
    enroll: async (workerId, over = {}) => {
      const project = (over['project'] as ProjectId | undefined) ?? (P.health as ProjectId);
      await log.append(s.member(project, pool, workerId as WorkerId), {
        type: 'worker.enrolled',
        data: { workerId, project, pool, keyId: 'k1', models: ['llama'], capacity: 1, ...over },
        meta: { at: Date.now() },
      });
    },
    submit: async (...tasks) => {
      const project = (tasks[0]?.['project'] as ProjectId | undefined) ?? (P.health as ProjectId);
      await log.append(
        s.submit(project, pool),
        tasks.map((t) => ({
          type: 'task.submitted',
          data: { project, pool, requirements: { models: ['llama'] }, ...t },
          meta: { at: Date.now() },
        })),
      );
    },
    claim: async (workerId, opts = {}) => {
      const project = (opts.project ?? P.health) as ProjectId;
      const m = await nc.request(
        s.claim(project, pool, workerId as WorkerId),
        json({ max: opts.max ?? 1, waitMs: opts.waitMs ?? 2_000, id: opts.id }),
        { timeout: (opts.waitMs ?? 2_000) + 5_000 },
      );
      return ClaimReply.parse(m.json());
    },
    heartbeat: async (workerId, attempts = [], project = P.health) => {
      const m = await nc.request(
        s.heartbeat(project as ProjectId, pool, workerId as WorkerId),
        json({ attempts }),
        { timeout: 5_000 },
      );
      return HeartbeatReply.parse(m.json());
    },
    report: async (workerId, event, project = P.health) => {
      await log.append(s.report(project as ProjectId, pool, workerId as WorkerId), event);
    },
    close: async () => {
      await log.jsm.streams.delete(log.stream).catch(() => undefined);
      await nc.close();
    },
  };
};
