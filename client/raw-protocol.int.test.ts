import { connect as tcpConnect } from 'node:net';
import type { Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { startDispatcher } from '../actors/dispatcher/dispatcher.ts';
import type { Dispatcher } from '../actors/dispatcher/dispatcher.ts';
import { taskKey } from '../domain/pool/index.ts';
import type { PoolId, ProjectId } from '../events/index.ts';
import { P, POOL } from '../test/support/builders.ts';
import { fleetFixture } from '../test/support/fleet-fixture.ts';
import type { FleetFixture } from '../test/support/fleet-fixture.ts';
import { awaitTask } from './await-task.ts';
import { taskStatus } from './task-status.ts';

/** One protocol message from the server: its operation, the rest of its line, a MSG's payload. */
interface Frame {
  readonly op: string;
  readonly args: string[];
  readonly payload?: string;
}

/**
 * The NATS text protocol spoken by hand over TCP, with no client library: what a producer in
 * any language can do. Just enough of it: INFO, CONNECT, PUB, SUB, PING/PONG, MSG, -ERR.
 */
class RawNats {
  #buffer = Buffer.alloc(0);
  readonly #frames: Frame[] = [];
  #wake: () => void = () => undefined;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      this.#parse();
    });
  }

  static async connect(url: string): Promise<RawNats> {
    const { hostname, port } = new URL(url);
    const socket = tcpConnect({ host: hostname, port: Number(port) });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawNats(socket);
  }

  #parse() {
    for (;;) {
      const eol = this.#buffer.indexOf('\r\n');
      if (eol < 0) return;
      const [op = '', ...args] = this.#buffer.subarray(0, eol).toString('utf8').split(' ');
      if (op === 'MSG') {
        // MSG <subject> <sid> [reply-to] <#bytes>\r\n<payload>\r\n
        const size = Number(args[args.length - 1]);
        if (this.#buffer.length < eol + 2 + size + 2) return;
        const payload = this.#buffer.subarray(eol + 2, eol + 2 + size).toString('utf8');
        this.#buffer = this.#buffer.subarray(eol + 2 + size + 2);
        this.#frames.push({ op, args, payload });
      } else {
        this.#buffer = this.#buffer.subarray(eol + 2);
        if (op === 'PING') this.send('PONG\r\n');
        else this.#frames.push({ op, args });
      }
      this.#wake();
    }
  }

  send(text: string) {
    this.socket.write(text);
  }

  /** Publishes `body` as one message (the size counts bytes, not characters). */
  pub(subject: string, body: string, replyTo?: string) {
    const size = Buffer.byteLength(body);
    this.send(`PUB ${subject}${replyTo === undefined ? '' : ` ${replyTo}`} ${size}\r\n${body}\r\n`);
  }

  /** The next frame with operation `op`, dropping none of the others before it is asked for. */
  async next(op: string, timeoutMs = 5_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.#frames.findIndex((f) => f.op === op);
      if (i >= 0) return this.#frames.splice(i, 1)[0] as Frame;
      const err = this.#frames.find((f) => f.op === '-ERR');
      if (err !== undefined) throw new Error(`server said -ERR ${err.args.join(' ')}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${op} from the server within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Round trip: once PONG is back, the server has processed everything sent before. */
  async flush() {
    this.send('PING\r\n');
    await this.next('PONG');
  }

  close() {
    this.socket.destroy();
  }
}

let f: FleetFixture;
let d: Dispatcher;
let raw: RawNats;

beforeEach(async () => {
  f = await fleetFixture();
  d = await startDispatcher({ log: f.log, pool: POOL as PoolId });
  raw = await RawNats.connect(inject('natsUrl'));
  const info = await raw.next('INFO');
  expect(JSON.parse(info.args.join(' '))).toMatchObject({ jetstream: true });
  raw.send('CONNECT {"verbose":false,"pedantic":false}\r\n');
  await raw.flush();
});
afterEach(async () => {
  raw.close();
  await d.stop();
  await f.close();
});

const where = () => ({ root: f.log.subjects.root, stream: f.log.stream });
const submitSubject = () => f.log.subjects.submit(P.health as ProjectId, POOL as PoolId);

describe('a producer speaking the raw NATS protocol', () => {
  it('submits a plain JSON task.submitted that is queued, run and completed', async () => {
    await f.enroll('w1');
    raw.pub(
      submitSubject(),
      JSON.stringify({
        type: 'task.submitted',
        data: {
          taskId: 'raw-1',
          project: P.health,
          pool: POOL,
          requirements: { models: ['llama'] },
          payload: { prompt: 'héllo' },
        },
        meta: { at: Date.now() },
      }),
    );
    await raw.flush();
    await expect
      .poll(() => d.host.state.tasks.get(taskKey(P.health, 'raw-1'))?.status)
      .toBe('queued');

    // A fake worker claims and completes it.
    const claimed = await f.claim('w1');
    expect(claimed).toMatchObject({
      assignments: [{ taskId: 'raw-1', payload: { prompt: 'héllo' } }],
    });
    await f.report('w1', {
      type: 'task.completed',
      data: {
        taskId: 'raw-1',
        project: P.health,
        pool: POOL,
        workerId: 'w1',
        attempt: 1,
        output: 'ok',
      },
      meta: { at: Date.now() },
    });

    // The raw producer asks for the status too: SUB an inbox, PUB the request with a reply-to
    // under _INBOX. (a dispatcher answers nowhere else).
    raw.send('SUB _INBOX.raw.1 1\r\n');
    raw.pub(
      f.log.subjects.status(P.health as ProjectId, POOL as PoolId),
      JSON.stringify({ taskId: 'raw-1', waitMs: 5_000 }),
      '_INBOX.raw.1',
    );
    const answer = await raw.next('MSG');
    expect(JSON.parse(answer.payload ?? '')).toMatchObject({ status: 'completed', attempts: 1 });
    expect(
      await awaitTask(
        f.nc,
        { project: P.health, pool: POOL, taskId: 'raw-1', timeoutMs: 5_000 },
        where(),
      ),
    ).toMatchObject({
      status: 'completed',
      output: 'ok',
    });
  });

  it('gets a malformed submission refused, and learns why from the task status', async () => {
    raw.pub(
      submitSubject(),
      JSON.stringify({
        type: 'task.submitted',
        data: { taskId: 'raw-bad', project: P.health, pool: POOL, timeoutMs: -5 },
        meta: { at: Date.now() },
      }),
    );
    raw.pub(submitSubject(), '{"type":"task.submitted","data":');
    await raw.flush();
    const ref = { project: P.health, pool: POOL, taskId: 'raw-bad' };
    await expect.poll(async () => (await taskStatus(f.nc, ref, where())).status).toBe('rejected');
    expect((await taskStatus(f.nc, ref, where())).reason).toMatch(/schema_invalid.*timeoutMs/);
    // Neither message became a task; both were recorded as refused.
    await expect.poll(() => d.host.state.rejections.byReason['unreadable']).toBe(2);
    expect([...d.host.state.tasks.keys()]).toEqual([]);
  });
});
