import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { describe, expect, inject, it } from 'vitest';
import { connectTest, NatsServerStartError, startNatsServer, uniqueName } from './index.ts';

describe('test harness', () => {
  it('connects to a private JetStream server and round-trips a message', async () => {
    const url = new URL(inject('natsUrl'));
    expect(url.hostname).toBe('127.0.0.1');
    expect(url.port).not.toBe('4222');

    const nc = await connectTest();
    try {
      expect(nc.info?.port).toBe(Number(url.port));
      expect(nc.info?.port).not.toBe(4222);
      expect(nc.info?.jetstream).toBe(true);

      const jsm = await jetstreamManager(nc);
      const account = await jsm.getAccountInfo();
      expect(account.streams).toBeGreaterThanOrEqual(0);

      const name = uniqueName('harness');
      await jsm.streams.add({ name, subjects: [`${name}.>`] });
      try {
        const ack = await jetstream(nc).publish(`${name}.hello`, JSON.stringify({ hi: name }));
        expect(ack.stream).toBe(name);
        expect(ack.duplicate).toBe(false);

        const stored = await jsm.streams.getMessage(name, { seq: ack.seq });
        expect(stored?.subject).toBe(`${name}.hello`);
        expect(stored?.json()).toEqual({ hi: name });
      } finally {
        await jsm.streams.delete(name);
      }
      await expect(jsm.streams.info(name)).rejects.toThrow();
    } finally {
      await nc.close();
    }
  });

  it('startNatsServer starts a second server and stop() really stops it', async () => {
    const server = await startNatsServer();
    let stopped = false;
    try {
      expect(server.url).not.toBe(inject('natsUrl'));
      expect(server.port).not.toBe(4222);
      expect(existsSync(server.storeDir)).toBe(true);

      const nc = await connect({ servers: server.url });
      try {
        const jsm = await jetstreamManager(nc);
        await jsm.getAccountInfo();
      } finally {
        await nc.close();
      }

      await server.stop();
      stopped = true;
      expect(server.process.exitCode !== null || server.process.signalCode !== null).toBe(true);
      expect(existsSync(server.storeDir)).toBe(false);
      await expect(
        connect({ servers: server.url, reconnect: false, timeout: 1_000 }),
      ).rejects.toThrow();
      await server.stop(); // idempotent
    } finally {
      if (!stopped) await server.stop();
    }
  });

  it('startNatsServer fails clearly when the binary is missing', async () => {
    await expect(startNatsServer({ command: 'nats-server-does-not-exist' })).rejects.toThrow(
      /not found on PATH/,
    );
  });

  it('startNatsServer fails clearly, with server output, when the server exits early', async () => {
    const failure = startNatsServer({ args: ['--no-such-flag'] });
    await expect(failure).rejects.toBeInstanceOf(NatsServerStartError);
    await expect(failure).rejects.toThrow(/no-such-flag/);
  });

  it('startNatsServer reports a taken port instead of probing whatever listens there', async () => {
    // A plain TCP listener that never speaks NATS; the probe's sockets are destroyed on close.
    const sockets = new Set<Socket>();
    const squatter = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    try {
      const address = squatter.address();
      if (address === null || typeof address === 'string') throw new Error('no port');
      await expect(startNatsServer({ port: address.port })).rejects.toThrow(
        /address already in use/,
      );
      await expect(startNatsServer({ port: 4222 })).rejects.toThrow(/reserved/);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve, reject) => {
        squatter.close((err) => {
          if (err) reject(err);
          else resolve();
        });
      });
    }
  });

  it('uniqueName yields distinct stream/subject-safe tokens', () => {
    const names = Array.from({ length: 1000 }, () => uniqueName());
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^t[a-z0-9]+$/);
    expect(uniqueName('abc1')).toMatch(/^abc1[a-z0-9]{9,}$/);
    expect(() => uniqueName('Bad.prefix')).toThrow();
  });
});
