/**
 * Replay benchmark (`npm run bench`, or `npx tsx bench/replay.ts`): how fast an auditor can
 * replay Fleet's log, against the floor of reading it at all.
 *
 * On a private nats-server (127.0.0.1, random port, temp store; never the machine's 4222) it
 * writes a realistic history of about 100,000 messages to a fresh stream — enrollments (key
 * use + membership), submissions in batches of 100, assignments in dispatch rounds of 20 per
 * message, one report message per completion — with pipelined publishes. Then, on that same
 * stream (median of `--runs`, default 2; the two reads interleaved, then the two in-memory
 * measurements interleaved):
 *
 * 1. raw: an ordered consumer reads every message and does nothing with it (messages/s);
 * 2. audit: `fleet audit`'s path — the same ordered consumer through `EventLog.tail`, each
 *    message decoded and validated by the codec, folded by the audit (messages/s, events/s),
 *    with the time spent in the fold itself measured apart;
 * 3. codec: decoding and validating the same messages alone, in memory;
 * 4. fold: the audit's fold alone over the already decoded messages in memory (events/s).
 *
 * The ratio audit/raw says what the audit costs over reading; codec and fold say where that
 * cost goes. The audit of the generated history must be clean, or the benchmark fails.
 *
 * Flags: --messages=N (default 100000)  --runs=N (default 2)
 */
import { performance } from 'node:perf_hooks';
import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { EventLog } from '../log/index.ts';
import { startNatsServer } from '../infra/nats-server.ts';
import { decode, encode } from '../events/index.ts';
import type { FleetEventInput, KeyId, PoolId, ProjectId, WorkerId } from '../events/index.ts';
import { Auditor, readLog } from '../projections/audit/index.ts';
import type { AuditItem, AuditReport } from '../projections/audit/index.ts';

const flag = (name: string): string | undefined =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const TARGET = Number(flag('messages') ?? 100_000);
const RUNS = Math.max(1, Number(flag('runs') ?? 2));
const PROJECTS = ['health-prod', 'fin-prod', 'retail-dev'] as ProjectId[];
const POOL = 'gpu' as PoolId;
const WORKERS_PER_PROJECT = 60;
const CAPACITY = 4;
const TASKS_PER_SUBMISSION = 100;
const ASSIGNMENTS_PER_ROUND = 20;
/** Publishes in flight at once: one connection keeps them in order. */
const WINDOW = 1_000;

const STREAM = 'BENCH_REPLAY';
const ROOT = 'breplay';

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};
const num = (n: number): string => Math.round(n).toLocaleString('en-US');

/** Writes the history; returns how many messages and events it stored. */
const generate = async (
  nc: NatsConnection,
  log: EventLog,
): Promise<{ messages: number; events: number }> => {
  const js = jetstream(nc);
  const s = log.subjects;
  let inFlight: Promise<unknown>[] = [];
  let messages = 0;
  let events = 0;
  const put = async (subject: string, batch: FleetEventInput | FleetEventInput[]) => {
    inFlight.push(js.publish(subject, encode(batch)));
    messages += 1;
    events += Array.isArray(batch) ? batch.length : 1;
    if (inFlight.length >= WINDOW) {
      await Promise.all(inFlight);
      inFlight = [];
    }
  };
  const t0 = Date.now();
  const meta = () => ({ at: Date.now() });

  const workers = new Map<ProjectId, string[]>();
  for (const project of PROJECTS) {
    const keyId = `key-${project}` as KeyId;
    await put(s.key(project, keyId), {
      type: 'key.issued',
      data: {
        keyId,
        project,
        pool: POOL,
        labels: { region: 'eu' },
        maxUses: WORKERS_PER_PROJECT,
        expiresAt: t0 + 3_600_000,
        secretHash: '0'.repeat(64),
      },
      meta: meta(),
    });
    const ids: string[] = [];
    for (let i = 0; i < WORKERS_PER_PROJECT; i += 1) {
      const workerId = `${project}-w${i}`;
      ids.push(workerId);
      await put(s.key(project, keyId), {
        type: 'key.used',
        data: { keyId, project, workerId, use: i + 1 },
        meta: meta(),
      });
      await put(s.member(project, POOL, workerId as WorkerId), {
        type: 'worker.enrolled',
        data: {
          workerId,
          project,
          pool: POOL,
          keyId,
          models: ['llama3-70b', 'mistral-7b'],
          labels: { region: 'eu', gpu: i % 2 === 0 ? 'a100' : 'h100', vram: 80 },
          runtime: { kind: 'docker', memoryMb: 65_536 },
          capacity: CAPACITY,
        },
        meta: meta(),
      });
    }
    workers.set(project, ids);
  }

  let chunk = 0;
  while (messages < TARGET) {
    const project = PROJECTS[chunk % PROJECTS.length] ?? PROJECTS[0];
    if (project === undefined) break;
    const ids = workers.get(project) ?? [];
    const tasks = Array.from({ length: TASKS_PER_SUBMISSION }, (_, i) => `c${chunk}-t${i}`);
    await put(
      s.submit(project, POOL),
      tasks.map((taskId, i) => ({
        type: 'task.submitted' as const,
        data: {
          taskId,
          project,
          pool: POOL,
          requirements: {
            models: ['llama3-70b'],
            labels: [
              { key: 'region', op: 'eq' as const, value: 'eu' },
              ...(i % 4 === 0 ? [{ key: 'vram', op: 'gte' as const, value: 40 }] : []),
            ],
          },
          priority: i % 10 === 0 ? 5 : 0,
          payload: { prompt: `summarise document ${chunk}/${i}`, maxTokens: 256 },
          timeoutMs: 60_000,
        },
        meta: meta(),
      })),
    );
    const holder = new Map<string, string>();
    for (let r = 0; r < tasks.length; r += ASSIGNMENTS_PER_ROUND) {
      const now = Date.now();
      await put(
        s.dispatch(project, POOL),
        tasks.slice(r, r + ASSIGNMENTS_PER_ROUND).map((taskId, i) => {
          const workerId = ids[(r + i) % ids.length] ?? '';
          holder.set(taskId, workerId);
          return {
            type: 'task.assigned' as const,
            data: {
              taskId,
              project,
              pool: POOL,
              workerId,
              attempt: 1,
              leaseExpiresAt: now + 60_000,
            },
            meta: { at: now },
          };
        }),
      );
    }
    for (const taskId of tasks) {
      const workerId = holder.get(taskId) ?? '';
      await put(s.report(project, POOL, workerId as WorkerId), {
        type: 'task.completed',
        data: {
          taskId,
          project,
          pool: POOL,
          workerId,
          attempt: 1,
          output: { summary: 'ok' },
          usage: { tokensIn: 420, tokensOut: 96, durationMs: 850, model: 'llama3-70b' },
        },
        meta: meta(),
      });
    }
    chunk += 1;
  }
  await Promise.all(inFlight);
  return { messages, events };
};

/** A stored message as read, before the codec. */
interface RawMessage {
  readonly subject: string;
  readonly data: Uint8Array;
}

/** Reads every message with a bare ordered consumer, doing nothing with it (or keeping it). */
const readRaw = async (nc: NatsConnection, total: number, keep?: RawMessage[]): Promise<number> => {
  const js = jetstream(nc);
  const t = performance.now();
  const consumer = await js.consumers.get(STREAM, {
    filter_subjects: `${ROOT}.>`,
    deliver_policy: DeliverPolicy.All,
  });
  const messages = await consumer.consume({ max_messages: 1024 });
  let n = 0;
  for await (const m of messages) {
    n += 1;
    keep?.push({ subject: m.subject, data: m.data.slice() });
    if (m.seq >= total) break;
  }
  await messages.close();
  const seconds = (performance.now() - t) / 1000;
  if (n !== total) throw new Error(`raw read saw ${n} of ${total} messages`);
  return seconds;
};

/** `fleet audit`'s path: ordered consumer, codec, audit fold. */
const readAudit = async (
  log: EventLog,
  keep?: AuditItem[],
): Promise<{ seconds: number; foldSeconds: number; report: AuditReport }> => {
  const t = performance.now();
  const auditor = new Auditor();
  let inFold = 0;
  await readLog(log, (item) => {
    keep?.push(item);
    const f = performance.now();
    const more = auditor.add(item);
    inFold += performance.now() - f;
    return more;
  });
  const seconds = (performance.now() - t) / 1000;
  return { seconds, foldSeconds: inFold / 1000, report: auditor.report() };
};

/** The codec alone: decoding and validating every stored message. */
const decodeOnly = (raw: readonly RawMessage[]): number => {
  const t = performance.now();
  let refused = 0;
  for (const m of raw) if (!decode(m.subject, m.data, { root: ROOT }).ok) refused += 1;
  const seconds = (performance.now() - t) / 1000;
  if (refused > 0) throw new Error(`${refused} generated messages did not decode`);
  return seconds;
};

const foldOnly = (items: readonly AuditItem[]): number => {
  const t = performance.now();
  const auditor = new Auditor();
  for (const item of items) auditor.add(item);
  return (performance.now() - t) / 1000;
};

const main = async (): Promise<void> => {
  const started = performance.now();
  const server = await startNatsServer();
  const nc = await connect({ servers: server.url, name: 'bench-replay' });
  try {
    const log = await EventLog.open(nc, { stream: STREAM, root: ROOT });
    console.log(`Replay benchmark: private nats-server ${server.url}, stream ${STREAM}`);
    const g0 = performance.now();
    const { messages, events } = await generate(nc, log);
    const genSeconds = (performance.now() - g0) / 1000;
    let report: AuditReport | undefined;
    console.log(
      `generated ${num(messages)} messages (${num(events)} events) in ${genSeconds.toFixed(1)} s ` +
        `(${num(messages / genSeconds)} msg/s pipelined)`,
    );

    // Reading from the server first, with nothing else held in memory; then the in-memory
    // measurements on copies of what was read.
    await readRaw(nc, messages); // warms the server's caches and the client
    const raw: number[] = [];
    const audit: number[] = [];
    const inFold: number[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      raw.push(await readRaw(nc, messages));
      const pass = await readAudit(log);
      audit.push(pass.seconds);
      inFold.push(pass.foldSeconds);
      const r = pass.report;
      if (!r.ok || r.counts.tasks.completed !== r.counts.tasks.total)
        throw new Error(
          `the generated history did not audit clean: ${JSON.stringify(r.violations.slice(0, 3))}`,
        );
      report = r;
    }
    const stored: RawMessage[] = [];
    await readRaw(nc, messages, stored);
    const items: AuditItem[] = [];
    await readAudit(log, items);
    const codec: number[] = [];
    const fold: number[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      codec.push(decodeOnly(stored));
      fold.push(foldOnly(items));
    }
    const rawRate = messages / median(raw);
    const auditRate = messages / median(audit);
    const foldRate = events / median(fold);
    const rows = [
      ['', 'messages/s', 'events/s', 'time (s)'],
      ['raw ordered consumer (no work)', num(rawRate), '-', median(raw).toFixed(2)],
      [
        'audit: consumer + codec + fold',
        num(auditRate),
        num(events / median(audit)),
        median(audit).toFixed(2),
      ],
      [
        'codec alone (in memory)',
        num(messages / median(codec)),
        num(events / median(codec)),
        median(codec).toFixed(2),
      ],
      [
        'audit fold alone (in memory)',
        num(messages / median(fold)),
        num(foldRate),
        median(fold).toFixed(2),
      ],
    ];
    const widths =
      rows[0]?.map((_, c) => Math.max(...rows.map((row) => (row[c] ?? '').length))) ?? [];
    console.log('');
    for (const row of rows)
      console.log(
        row
          .map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
          .join('  '),
      );
    console.log('');
    const c = report?.counts;
    console.log(
      `audit / raw read rate: ${(auditRate / rawRate).toFixed(2)} ` +
        `(median of ${RUNS} interleaved runs; ${num(c?.tasks.total ?? 0)} tasks, ` +
        `${num(c?.workers.total ?? 0)} workers, ${num(c?.assignments ?? 0)} assignments, audit clean)`,
    );
    console.log(
      `of the audit pass, ${median(inFold).toFixed(2)} s were spent in the fold itself ` +
        `(the rest is the reader: consumer and codec)`,
    );
    console.log(`total ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await nc.close();
    await server.stop();
  }
};

await main();
