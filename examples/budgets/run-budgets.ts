import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { startDispatcher } from '../../actors/dispatcher/dispatcher.ts';
import type { Dispatcher } from '../../actors/dispatcher/dispatcher.ts';
import { issueKey, startRegistrar } from '../../actors/registrar/index.ts';
import type { Registrar } from '../../actors/registrar/index.ts';
import { createWorker } from '../../actors/worker/index.ts';
import type { TaskHandler, Worker } from '../../actors/worker/index.ts';
import { submitTasks, taskStatus } from '../../client/index.ts';
import type { TaskInput } from '../../client/index.ts';
import { limitUsage } from '../../domain/limits/index.ts';
import type { FleetEventInput, PoolId, ProjectId } from '../../events/index.ts';
import { EventLog } from '../../log/index.ts';
import { audit } from '../../projections/audit/index.ts';
import { narrator } from '../narrator.ts';
import { openFreshLog } from '../open-fresh-log.ts';
import { readStream } from '../read-stream.ts';

export interface BudgetsOptions {
  readonly log?: (line: string) => void;
  readonly color?: boolean;
  readonly natsUrl: string;
  readonly root?: string;
  readonly stream?: string;
  /** Tasks per tenant (default 20). */
  readonly tasks?: number;
}

/** What the run showed, for its test. */
export interface BudgetsResult {
  readonly ok: boolean;
  readonly problems: string[];
  /** acme's spend (settled and reserved) this month, and its budget. */
  readonly spent: number;
  readonly budget: number;
  /** Why a waiting task of acme and of globex waits, as `fleet status` says it. */
  readonly waits: Readonly<Record<string, string>>;
  readonly completed: Readonly<Record<string, number>>;
  readonly breaches: number;
  readonly violations: number;
}

const POOL = 'gpu' as PoolId;
const TENANTS = ['acme', 'globex', 'initech'] as const;
const BUDGET_USD = 0.5;
const RATE = 6;

/** Work that costs $0.05 a task (of the $0.10 each acme task declares as its maximum). */
const work: TaskHandler = async (task) => {
  await sleep(20, undefined, { signal: task.signal });
  return { output: { ok: true }, usage: { tokensIn: 300, tokensOut: 100, costUsd: 0.05 } };
};

/**
 * Three tenants share a pool under load: acme on a tight budget ($0.50 a month), globex on a
 * rate limit (6 tasks a minute), initech unlimited. The tasks over a limit wait with their
 * reason; acme's spend stops at its budget; the audit re-derives every limit from the stream
 * and finds no breach.
 */
export const runBudgets = async (options: BudgetsOptions): Promise<BudgetsResult> => {
  const { out, step, c } = narrator(options);
  const root = options.root ?? 'fleetbudgets';
  const stream = options.stream ?? 'FLEET_BUDGETS';
  const count = options.tasks ?? 20;
  const problems: string[] = [];
  out(c.bold('Fleet — tenant budgets, rate limits and caps'));
  out(`Three tenants share pool ${POOL}: acme has a $${BUDGET_USD.toFixed(2)} monthly budget,`);
  out(`globex a rate of ${RATE} tasks a minute, initech no limit. ${count} tasks each.`);
  out('');
  const nc = await connect({ servers: options.natsUrl, name: 'budgets-example' });
  const connections: NatsConnection[] = [];
  const workers: Worker[] = [];
  let dispatcher: Dispatcher | undefined;
  let registrar: Registrar | undefined;
  const waits: Record<string, string> = {};
  const completed: Record<string, number> = {};
  let spent = 0;
  try {
    const log = await openFreshLog(nc, { stream, root });
    registrar = await startRegistrar({ log, onError: (e) => problems.push(String(e)) });
    dispatcher = await startDispatcher({
      log,
      pool: POOL,
      onError: (e) => problems.push(String(e)),
    });
    const limit = (project: string, data: Record<string, unknown>): FleetEventInput => ({
      type: 'limit.set',
      data: { project, pool: POOL, ...data },
      meta: { at: Date.now() },
    });
    await log.append(
      log.subjects.limits('acme' as ProjectId, POOL),
      limit('acme', { budget: { usd: BUDGET_USD, period: { kind: 'month', timeZone: 'UTC' } } }),
    );
    await log.append(
      log.subjects.limits('globex' as ProjectId, POOL),
      limit('globex', { rate: { tasksPerMinute: RATE } }),
    );
    step(`limits set: acme $${BUDGET_USD.toFixed(2)}/month (UTC), globex ${RATE} tasks/min`);
    for (const project of TENANTS) {
      const key = await issueKey(log, { project, pool: POOL, maxUses: 1, ttlMs: 600_000 });
      const wnc = await connect({ servers: options.natsUrl, name: `worker ${project}` });
      connections.push(wnc);
      workers.push(
        await createWorker({
          nats: wnc,
          key: key.token,
          capacity: 4,
          root,
          claimWaitMs: 1_000,
          handler: work,
        }),
      );
    }
    step('a worker of capacity 4 per tenant');
    const inputs: TaskInput[] = TENANTS.flatMap((project) =>
      Array.from({ length: count }, (_, i) => ({
        taskId: `${project}-${i}`,
        project,
        pool: POOL,
        ...(project === 'acme' ? { maxSpend: { usd: 0.1 } } : {}),
      })),
    );
    await submitTasks(nc, inputs, { root });
    step(`submitted ${inputs.length} tasks`);
    // initech's all end; acme stops at its budget, globex at its minute's rate.
    const settled = () => {
      const s = dispatcher?.host.state;
      if (s === undefined) return false;
      const done = (p: string) =>
        [...s.tasks.values()].filter((t) => t.demand.project === p && t.status === 'completed')
          .length;
      const running = [...s.tasks.values()].some((t) => t.status === 'assigned');
      return done('initech') === count && done('globex') >= RATE && !running;
    };
    for (let i = 0; i < 300 && !settled(); i += 1) await sleep(100);
    const s = dispatcher.host.state;
    for (const p of TENANTS)
      completed[p] = [...s.tasks.values()].filter(
        (t) => t.demand.project === p && t.status === 'completed',
      ).length;
    step(
      `completed: ${TENANTS.map((p) => `${p} ${completed[p] ?? 0}`).join(', ')} (the rest wait)`,
    );
    for (const p of ['acme', 'globex']) {
      const waiting = [...s.tasks.values()].find(
        (t) => t.demand.project === p && t.status === 'queued',
      );
      if (waiting === undefined) continue;
      const reply = await taskStatus(nc, { project: p, pool: POOL, taskId: waiting.id }, { root });
      waits[p] = reply.waiting?.detail ?? '(not waiting)';
      out(`         ${p} ${waiting.id} waits: ${c.bold(waits[p])}`);
    }
    spent =
      limitUsage(s.limits, Date.now()).find((u) => u.project === 'acme' && u.kind === 'budget_usd')
        ?.used ?? 0;
    step(`acme spent $${spent.toFixed(2)} of its $${BUDGET_USD.toFixed(2)} budget`);
  } catch (error) {
    problems.push(`the run failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await Promise.allSettled(workers.map((w) => w.stop()));
    await dispatcher?.stop();
    await registrar?.stop();
    for (const w of connections) await w.close();
  }
  const log = await EventLog.open(nc, { stream, root });
  const items = (await readStream(log)).map((item) => ({
    subject: item.subject,
    entry: item.entry,
    seq: item.entry.seq,
    at: item.entry.at,
  }));
  const report = await audit(items);
  await nc.close();
  const { counts } = report;
  const breaches = counts.violationsByKind.limit_breached;
  step(
    `audit: ${counts.assignments} assignments re-derived against every limit: ` +
      `${breaches} breaches, ${counts.violations} violations in all`,
  );
  if (spent > BUDGET_USD + 1e-9) problems.push(`acme spent $${spent} of $${BUDGET_USD}`);
  if (counts.violations > 0) problems.push(`${counts.violations} violations`);
  for (const p of problems) out(c.bold(`PROBLEM: ${p}`));
  return {
    ok: problems.length === 0,
    problems,
    spent,
    budget: BUDGET_USD,
    waits,
    completed,
    breaches,
    violations: counts.violations,
  };
};
