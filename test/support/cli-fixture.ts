import { expect, inject } from 'vitest';
import { runCaptured } from '../../cli/run-captured.ts';
import type { CapturedRun } from '../../cli/run-captured.ts';
import type { KeyInput } from '../../cli/cli-io.ts';
import { snapshotBucket } from '../../cli/snapshot-bucket.ts';
import { projectionBucket } from '../../projections/index.ts';
import { leaseBucket } from '../../events/index.ts';
import { P, POOL } from './builders.ts';
import { fleetFixture } from './fleet-fixture.ts';
import type { FleetFixture } from './fleet-fixture.ts';

/** What a one-shot `fleet` command did. */
export interface CliResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** A long-running `fleet` command started by {@link CliFixture.start}. */
export interface StartedCommand extends CapturedRun {
  /** Stops it as a signal would and resolves with its exit code; stopping twice is harmless. */
  stop(): Promise<number>;
}

/**
 * A {@link FleetFixture} with the `fleet` CLI pointed at it: commands run in this process
 * (`runCaptured`) against the harness's nats-server, the fixture's stream and its subject root.
 */
export interface CliFixture {
  readonly f: FleetFixture;
  /** Runs `fleet <args>` to its end. */
  run(...args: string[]): Promise<CliResult>;
  /**
   * Starts `fleet <args>` with `env` as its environment; with `ready`, resolves once
   * its stdout matches it (a command says when it runs). {@link close} stops it if the test
   * did not.
   */
  start(
    args: readonly string[],
    options?: {
      readonly ready?: RegExp;
      readonly env?: Record<string, string>;
      /** As if on a terminal: `runCaptured`'s `tty` and `keys`. */
      readonly terminal?: { readonly tty?: boolean; readonly keys?: KeyInput };
    },
  ): Promise<StartedCommand>;
  /** Starts `fleet registrar` and `fleet dispatcher` of pool {@link POOL} (heartbeat 200 ms). */
  startPool(): Promise<void>;
  /** `fleet keys create --project health-prod --pool gpu <extra>`: the token it printed. */
  createKey(...extra: string[]): Promise<string>;
  /** Stops the commands still running, one by one in the order they started; returns them. */
  stopAll(): Promise<StartedCommand[]>;
  /**
   * Stops what still runs, deletes the KV buckets the commands may have made for this stream
   * (actor snapshots, projection checkpoints) and closes the fleet fixture.
   */
  close(): Promise<void>;
}

/** Opens a fresh {@link FleetFixture} and the CLI around it; call `close()` after each test. */
export const cliFixture = async (): Promise<CliFixture> => {
  const f = await fleetFixture();
  const running: StartedCommand[] = [];
  /** `--nats <harness url> --root <fixture root> --stream <fixture stream>`. */
  const globals = () => [
    '--nats',
    inject('natsUrl'),
    '--root',
    f.log.subjects.root,
    '--stream',
    f.log.stream,
  ];
  const stopAll = async () => {
    const stopped = [...running];
    for (const command of stopped) await command.stop();
    return stopped;
  };
  const run = async (...args: string[]): Promise<CliResult> => {
    const r = runCaptured([...globals(), ...args]);
    const code = await r.done;
    return { code, out: r.stdout(), err: r.stderr() };
  };
  const fixture: CliFixture = {
    f,
    run,
    startPool: async () => {
      await fixture.start(['registrar'], { ready: /registrar running/ });
      await fixture.start(['dispatcher', '--pool', POOL, '--heartbeat', '200ms'], {
        ready: new RegExp(`dispatcher of pool ${POOL} running`),
      });
    },
    createKey: async (...extra) => {
      const created = await run('keys', 'create', '--project', P.health, '--pool', POOL, ...extra);
      expect(created).toMatchObject({ code: 0, err: '' });
      const token = created.out.split('\n')[0] ?? '';
      expect(token).toMatch(/^fk_/);
      return token;
    },
    start: async (args, options = {}) => {
      const abort = new AbortController();
      const r = runCaptured([...globals(), ...args], {
        signal: abort.signal,
        env: options.env ?? {},
        ...options.terminal,
      });
      const command: StartedCommand = {
        ...r,
        stop: () => {
          const at = running.indexOf(command);
          if (at >= 0) running.splice(at, 1);
          abort.abort();
          return r.done;
        },
      };
      running.push(command);
      if (options.ready !== undefined) await expect.poll(() => r.stdout()).toMatch(options.ready);
      return command;
    },
    stopAll,
    close: async () => {
      await stopAll();
      const { stream, subjects } = f.log;
      for (const bucket of [
        snapshotBucket(stream, subjects.root),
        projectionBucket(stream, subjects.root),
        leaseBucket(stream, subjects.root),
      ])
        await f.log.jsm.streams.delete(`KV_${bucket}`).catch(() => undefined);
      await f.close();
    },
  };
  return fixture;
};
