/**
 * Child process of `bench/dispatch.ts`: runs N Fleet workers (the worker SDK) with a no-op
 * handler on one NATS connection, away from the producer and the dispatcher.
 *
 * Args (argv[2], JSON): { url, root, token, workers, capacity, maxLifeMs, noAsyncTraces }.
 * Prints `ready` once every worker is enrolled and known to the dispatcher; `started` (with the
 * handler's start time) for each task whose payload carries `t0`; `stats` on request; `pong`
 * to a `ping`; `stopped` after a `stop`, then exits.
 */
import { performance } from 'node:perf_hooks';
import { connect } from '@nats-io/transport-node';
import { createWorker } from '../../actors/worker/index.ts';
import type { TaskContext, TaskResult, Worker } from '../../actors/worker/index.ts';
import { emit, sharedClockMs, readCommands } from './child-io.ts';
import { summarize } from './stats.ts';

interface Args {
  readonly url: string;
  readonly root: string;
  readonly token: string;
  readonly workers: number;
  readonly capacity: number;
  readonly maxLifeMs: number;
  readonly noAsyncTraces?: boolean;
}

const args = JSON.parse(process.argv[2] ?? '{}') as Args;
const nc = await connect({
  servers: args.url.split(','),
  name: 'bench-fleet-workers',
  noAsyncTraces: args.noAsyncTraces ?? false,
});

// Instrumentation: claims and heartbeats are request/reply on the shared connection.
let claims = 0;
let heartbeats = 0;
const request = nc.request.bind(nc);
nc.request = (subject, payload, opts) => {
  if (subject.endsWith('.claim')) claims += 1;
  else if (subject.endsWith('.hb')) heartbeats += 1;
  return request(subject, payload, opts);
};

let started = 0;
let reported = 0;
let errors = 0;
const lastErrors: string[] = [];
const startedAt = new Map<string, number>();
let reportMs: number[] = [];
let cpu = process.cpuUsage();
let active = 0;
let markReady: () => void = () => undefined;
const allActive = new Promise<void>((resolve) => {
  markReady = resolve;
});

const handler = (task: TaskContext): Promise<TaskResult> => {
  const p = task.payload;
  if (typeof p === 'object' && p !== null && !Array.isArray(p) && typeof p['t0'] === 'number')
    emit({ type: 'started', taskId: task.taskId, at: sharedClockMs() });
  return Promise.resolve({});
};

const workers: Worker[] = await Promise.all(
  Array.from({ length: args.workers }, () =>
    createWorker({
      nats: nc,
      key: args.token,
      models: ['noop'],
      capacity: args.capacity,
      root: args.root,
      handler,
      onEvent: (e) => {
        switch (e.type) {
          case 'active':
            active += 1;
            if (active === args.workers) markReady();
            break;
          case 'task_started':
            started += 1;
            startedAt.set(e.taskId, performance.now());
            break;
          case 'task_reported': {
            reported += 1;
            const t = startedAt.get(e.taskId);
            startedAt.delete(e.taskId);
            if (t !== undefined) reportMs.push(performance.now() - t);
            break;
          }
          case 'claim_error':
          case 'heartbeat_error':
          case 'report_failed':
          case 'refused':
            errors += 1;
            if (lastErrors.length < 5) lastErrors.push(`${e.type}: ${JSON.stringify(e)}`);
            break;
          default:
            break;
        }
      },
    }),
  ),
);
await allActive;
emit({ type: 'ready', workers: workers.length, capacity: workers[0]?.identity.capacity });

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  const drained = Promise.all(workers.map((w) => w.drain().catch(() => undefined)));
  const timeout = new Promise((resolve) => setTimeout(resolve, 10_000).unref());
  await Promise.race([drained, timeout]);
  await Promise.all(workers.map((w) => w.kill()));
  await nc.close();
  emit({ type: 'stopped' });
  process.exit(0);
};

readCommands(
  (command) => {
    switch (command.cmd) {
      case 'ping':
        emit({ type: 'pong', at: sharedClockMs() });
        break;
      case 'stats': {
        const used = process.cpuUsage(cpu);
        cpu = process.cpuUsage();
        emit({
          type: 'stats',
          started,
          reported,
          claims,
          heartbeats,
          errors,
          lastErrors,
          report: summarize(reportMs),
          cpuMs: (used.user + used.system) / 1000,
        });
        started = 0;
        reported = 0;
        claims = 0;
        heartbeats = 0;
        reportMs = [];
        break;
      }
      case 'stop':
        void stop();
        break;
      default:
        break;
    }
  },
  () => void stop(),
  args.maxLifeMs,
);
