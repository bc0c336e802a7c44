/**
 * EXPERIMENT, child process of `bench/dispatch.ts --experiment=batched-reports`: what Fleet
 * would do if a worker appended the reports of all attempts that finished in one event-loop
 * turn as ONE batch message on its report subject, instead of one append per attempt (the
 * worker SDK today). Same wire contract and same dispatcher; everything else mirrors the SDK:
 * enrollment with a key, heartbeats, long-polled claims for the free slots, zod-validated claim
 * replies, `buildReport` per attempt, and a slot is free again only once its report is stored.
 * Not a worker to run in production: no drain, no lease timers, no abort on heartbeat replies.
 *
 * Args and messages as `workers.ts`: { url, root, token, workers, capacity, maxLifeMs,
 * noAsyncTraces }; prints `ready`, `started`, `stats`, `pong`, `stopped`.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { ClaimReply, encode, HeartbeatReply, subjects } from '../../events/index.ts';
import type { Assignment, FleetEvent } from '../../events/index.ts';
import { buildReport, enroll } from '../../actors/worker/index.ts';
import { emit, readCommands, sharedClockMs } from './child-io.ts';
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
  servers: args.url,
  name: 'bench-fleet-batched-workers',
  noAsyncTraces: args.noAsyncTraces ?? false,
});
const js = jetstream(nc);
const s = subjects(args.root);
const encoder = new TextEncoder();
const json = (o: unknown) => encoder.encode(JSON.stringify(o));

let started = 0;
let reported = 0;
let claims = 0;
let appends = 0;
let errors = 0;
const lastErrors: string[] = [];
let reportMs: number[] = [];
let cpu = process.cpuUsage();
let stopping = false;
// Read through a call: the loops cannot see `stop` change it between awaits.
const isStopping = () => stopping;
const failed = (what: string, e: unknown) => {
  errors += 1;
  if (lastErrors.length < 5) lastErrors.push(`${what}: ${String(e)}`);
};

/** Runs one worker until the bench stops; resolves `ready` once the dispatcher knows it. */
const runWorker = async (ready: () => void): Promise<void> => {
  const id = await enroll(
    nc,
    args.root,
    { key: args.token, models: ['noop'], capacity: args.capacity },
    5_000,
  );
  const running = new Map<string, Assignment>();
  const beat = async () => {
    const attempts = [...running.values()].map((a) => ({ taskId: a.taskId, attempt: a.attempt }));
    const m = await nc.request(s.heartbeat(id.project, id.pool, id.workerId), json({ attempts }), {
      timeout: 2_000,
    });
    return HeartbeatReply.parse(m.json()).status;
  };
  while ((await beat()) !== 'active') await sleep(50);
  const heartbeats = setInterval(() => {
    beat().catch((e: unknown) => {
      failed('heartbeat', e);
    });
  }, 1_000);
  ready();

  let wake: () => void = () => undefined;
  let batch: { event: FleetEvent; taskId: string; startedAt: number }[] = [];
  let batches = 0;
  const flush = () => {
    const these = batch;
    batch = [];
    appends += 1;
    const subject = s.report(id.project, id.pool, id.workerId);
    const msgID = `reports.${id.workerId}.${batches}`;
    batches += 1;
    js.publish(subject, encode(these.map((b) => b.event)), { msgID }).then(
      () => {
        for (const b of these) {
          running.delete(b.taskId);
          reported += 1;
          reportMs.push(performance.now() - b.startedAt);
        }
        wake();
      },
      (e: unknown) => {
        failed('report', e);
      },
    );
  };
  const finish = (a: Assignment, startedAt: number) => {
    const event = buildReport({
      assignment: a,
      workerId: id.workerId,
      outcome: { ok: true, result: {} },
      durationMs: performance.now() - startedAt,
      at: Date.now(),
    });
    // Everything that finishes in this turn goes out together.
    if (batch.length === 0) setImmediate(flush);
    batch.push({ event, taskId: a.taskId, startedAt });
  };

  while (!stopping) {
    const free = id.capacity - running.size;
    if (free <= 0) {
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      continue;
    }
    claims += 1;
    let reply: ClaimReply;
    try {
      const m = await nc.request(
        s.claim(id.project, id.pool, id.workerId),
        json({ max: Math.min(1_000, free), waitMs: 1_000 }),
        { timeout: 3_000 },
      );
      reply = ClaimReply.parse(m.json());
    } catch (e) {
      if (!isStopping()) failed('claim', e);
      continue;
    }
    if ('refused' in reply) break;
    for (const a of reply.assignments) {
      const startedAt = performance.now();
      running.set(a.taskId, a);
      started += 1;
      const p = a.payload;
      if (typeof p === 'object' && p !== null && !Array.isArray(p) && typeof p['t0'] === 'number')
        emit({ type: 'started', taskId: a.taskId, at: sharedClockMs() });
      // The no-op handler: resolves at once, like the SDK's `await handler(context)`.
      void Promise.resolve().then(() => {
        finish(a, startedAt);
      });
    }
  }
  clearInterval(heartbeats);
};

let active = 0;
let allReady: () => void = () => undefined;
const ready = new Promise<void>((resolve) => {
  allReady = resolve;
});
const loops = Array.from({ length: args.workers }, () =>
  runWorker(() => {
    active += 1;
    if (active === args.workers) allReady();
  }).catch((e: unknown) => {
    failed('worker', e);
  }),
);
await ready;
emit({ type: 'ready', workers: args.workers, capacity: args.capacity });

const stop = async () => {
  if (stopping) return;
  stopping = true;
  // Claims end within their 1 s wait; then the connection goes.
  await Promise.race([Promise.all(loops), sleep(3_000)]);
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
          appends,
          errors,
          lastErrors,
          report: summarize(reportMs),
          cpuMs: (used.user + used.system) / 1000,
        });
        started = 0;
        reported = 0;
        claims = 0;
        appends = 0;
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
