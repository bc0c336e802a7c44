import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { jetstream, jetstreamManager, StorageType } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { encode, PoolId, ProjectId } from '../../events/index.ts';
import { summarize } from './stats.ts';
import type { LatencySummary } from './stats.ts';
import { noopTask } from './submit.ts';

/** Options of the raw JetStream measurement. */
export interface RawBenchOptions {
  readonly url: string;
  readonly runs: number;
  /** Publishes per sync run (each awaited before the next). */
  readonly syncMessages: number;
  /** Publishes per pipelined run. */
  readonly pipelinedMessages: number;
  /** Publishes in flight at once in a pipelined run. */
  readonly window: number;
  /** Core NATS request/reply round trips (no JetStream), for the claim path's floor. */
  readonly requests: number;
  readonly say: (line: string) => void;
}

/** The machine's JetStream limit with this client. */
export interface RawResult {
  readonly payloadBytes: number;
  readonly syncMessages: number;
  readonly pipelinedMessages: number;
  /** msg/s of each sync run, and the publish → ack latency over all sync runs (ms). */
  readonly syncRates: readonly number[];
  readonly syncLatency: LatencySummary;
  readonly pipelinedRates: readonly number[];
  readonly window: number;
  /** Core request/reply round trip (ms). */
  readonly requestReply: LatencySummary;
}

/**
 * Publishes one encoded task submission at a time and in windows of in-flight publishes to a
 * private file stream (as Fleet's), on the bench's private server; also times core
 * request/reply, which a claim costs at least.
 */
export const benchRawJetStream = async (o: RawBenchOptions): Promise<RawResult> => {
  const id = randomBytes(4).toString('hex');
  const nc = await connect({ servers: o.url, name: 'bench-raw' });
  const jsm = await jetstreamManager(nc);
  const stream = `BENCH_RAW_${id}`;
  const root = `braw${id}`;
  await jsm.streams.add({ name: stream, subjects: [`${root}.>`], storage: StorageType.File });
  const js = jetstream(nc);
  const subject = `${root}.bench.bench.submit`;
  const payload = encode(noopTask(ProjectId.parse('bench'), PoolId.parse('bench'), 'task-000000'));
  try {
    for (let i = 0; i < 1_000; i += 1) await js.publish(subject, payload);

    const syncRates: number[] = [];
    const syncMs: number[] = [];
    for (let r = 0; r < o.runs; r += 1) {
      const t = performance.now();
      for (let i = 0; i < o.syncMessages; i += 1) {
        const t0 = performance.now();
        await js.publish(subject, payload);
        syncMs.push(performance.now() - t0);
      }
      syncRates.push((o.syncMessages * 1000) / (performance.now() - t));
      o.say(`raw sync publish: run ${r + 1}: ${Math.round(syncRates[r] ?? 0)} msg/s`);
    }

    const pipelinedRates: number[] = [];
    for (let r = 0; r < o.runs; r += 1) {
      const t = performance.now();
      for (let sent = 0; sent < o.pipelinedMessages; sent += o.window) {
        const acks: Promise<unknown>[] = [];
        for (let i = 0; i < Math.min(o.window, o.pipelinedMessages - sent); i += 1)
          acks.push(js.publish(subject, payload));
        await Promise.all(acks);
      }
      pipelinedRates.push((o.pipelinedMessages * 1000) / (performance.now() - t));
      o.say(`raw pipelined publish: run ${r + 1}: ${Math.round(pipelinedRates[r] ?? 0)} msg/s`);
    }

    const echo = nc.subscribe(`${root}_rpc.echo`, {
      callback: (_err, m) => {
        m.respond(m.data);
      },
    });
    const rr: number[] = [];
    for (let i = 0; i < o.requests + 200; i += 1) {
      const t0 = performance.now();
      await nc.request(`${root}_rpc.echo`, payload, { timeout: 5_000 });
      if (i >= 200) rr.push(performance.now() - t0);
    }
    echo.unsubscribe();

    return {
      payloadBytes: payload.byteLength,
      syncMessages: o.syncMessages,
      pipelinedMessages: o.pipelinedMessages,
      syncRates,
      syncLatency: summarize(syncMs),
      pipelinedRates,
      window: o.window,
      requestReply: summarize(rr),
    };
  } finally {
    await jsm.streams.delete(stream).catch(() => undefined);
    await nc.close();
  }
};
