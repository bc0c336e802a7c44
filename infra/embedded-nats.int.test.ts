import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { ensureNats } from './embedded-nats.ts';
import { findFreePort, NatsServerStartError } from './nats-server.ts';

let dataDir: string;
const lines: string[] = [];
const log = (line: string) => lines.push(line);

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'fleet-embedded-'));
  lines.length = 0;
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** Publishes into a fresh stream and returns how many messages it holds. */
const store = async (url: string, name: string, publish: boolean) => {
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    if (publish) {
      await jsm.streams.add({ name, subjects: [`${name}.>`] });
      await jetstream(nc).publish(`${name}.x`, 'kept');
    }
    return (await jsm.streams.info(name)).state.messages;
  } finally {
    await nc.close();
  }
};

describe('ensureNats', () => {
  it('uses a given URL as is, starting nothing', async () => {
    const url = inject('natsUrl');
    const nats = await ensureNats({ url, dataDir, log });
    expect(nats).toMatchObject({ url, embedded: false });
    await nats.stop();
    expect(existsSync(join(dataDir, 'nats'))).toBe(false);
    expect(lines).toEqual([]);
  });

  it('starts an embedded server whose store survives a restart, and says where', async () => {
    const port = await findFreePort();
    const first = await ensureNats({ url: '', dataDir, port, log });
    expect(first).toMatchObject({ url: `nats://127.0.0.1:${port}`, embedded: true });
    expect(lines.join('\n')).toContain(first.url);
    expect(lines.join('\n')).toContain(join(dataDir, 'nats'));
    try {
      expect(await store(first.url, 'KEPT', true)).toBe(1);
    } finally {
      await first.stop();
    }
    expect(existsSync(join(dataDir, 'nats.json'))).toBe(false);
    const second = await ensureNats({ url: '', dataDir, port: await findFreePort(), log });
    try {
      expect(await store(second.url, 'KEPT', false)).toBe(1);
    } finally {
      await second.stop();
    }
  });

  it('falls back to a free port when the preferred one is taken, and says so', async () => {
    const squatter: Server = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const address = squatter.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    try {
      const nats = await ensureNats({ url: '', dataDir, preferredPort: address.port, log });
      try {
        expect(nats.embedded).toBe(true);
        expect(new URL(nats.url).port).not.toBe(String(address.port));
        expect(new URL(nats.url).port).not.toBe('4222');
        expect(lines.join('\n')).toMatch(new RegExp(`port ${address.port} is taken`));
      } finally {
        await nats.stop();
      }
    } finally {
      squatter.close();
    }
  });

  it('joins the embedded server another command runs on the same data dir', async () => {
    const owner = await ensureNats({ url: '', dataDir, port: await findFreePort(), log });
    try {
      const state = JSON.parse(await readFile(join(dataDir, 'nats.json'), 'utf8')) as unknown;
      expect(state).toMatchObject({ url: owner.url });
      const joiner = await ensureNats({ url: '', dataDir, port: await findFreePort(), log });
      expect(joiner).toMatchObject({ url: owner.url, embedded: false });
      await joiner.stop(); // not its server: a no-op
      expect(await store(owner.url, 'STILL', true)).toBe(1);
    } finally {
      await owner.stop();
    }
  });

  it('explains how to install nats-server when it is missing', async () => {
    const failure = ensureNats({
      url: '',
      dataDir,
      port: await findFreePort(),
      command: 'nats-server-not-installed',
      log,
    });
    await expect(failure).rejects.toBeInstanceOf(NatsServerStartError);
    await expect(failure).rejects.toThrow(/apt-get install nats-server/);
  });
});
