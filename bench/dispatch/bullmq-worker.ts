/**
 * Child process of `bench/dispatch.ts`: one BullMQ Worker with a no-op processor, away from
 * the producer.
 *
 * Args (argv[2], JSON): { queue, concurrency, host, port, maxLifeMs }.
 * Prints `ready`; `started` (with the processor's start time) for each job whose data carries
 * `t0`; `done` once the completed count reaches the total named by an `expect` command;
 * `stats` on request; `pong` to a `ping`; `stopped` after a `stop`, then exits.
 */
import { Worker } from 'bullmq';
import type { Job } from 'bullmq';
import { Redis } from 'ioredis';
import { emit, sharedClockMs, readCommands } from './child-io.ts';

interface Args {
  readonly queue: string;
  readonly concurrency: number;
  readonly host: string;
  readonly port: number;
  readonly maxLifeMs: number;
}

const args = JSON.parse(process.argv[2] ?? '{}') as Args;
const connection = new Redis({ host: args.host, port: args.port, maxRetriesPerRequest: null });

let completed = 0;
let failed = 0;
let expected = Number.POSITIVE_INFINITY;
let cpu = process.cpuUsage();

const processor = (job: Job<{ t0?: number }>): Promise<void> => {
  if (typeof job.data.t0 === 'number') emit({ type: 'started', id: job.id, at: sharedClockMs() });
  return Promise.resolve();
};

const check = () => {
  if (completed < expected) return;
  expected = Number.POSITIVE_INFINITY;
  emit({ type: 'done', completed });
};

const worker = new Worker(args.queue, processor, { connection, concurrency: args.concurrency });
worker.on('completed', () => {
  completed += 1;
  check();
});
worker.on('failed', () => {
  failed += 1;
});
worker.on('error', (e) => {
  process.stderr.write(`bullmq worker error: ${e.message}\n`);
});
await worker.waitUntilReady();
emit({ type: 'ready' });

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await worker.close();
  await connection.quit();
  emit({ type: 'stopped' });
  process.exit(0);
};

readCommands(
  (command) => {
    switch (command.cmd) {
      case 'ping':
        emit({ type: 'pong', at: sharedClockMs() });
        break;
      case 'expect':
        expected = Number(command['total']);
        check();
        break;
      case 'stats': {
        const used = process.cpuUsage(cpu);
        cpu = process.cpuUsage();
        emit({ type: 'stats', completed, failed, cpuMs: (used.user + used.system) / 1000 });
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
