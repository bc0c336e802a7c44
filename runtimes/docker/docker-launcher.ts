import { PassThrough } from 'node:stream';
import type { Duplex } from 'node:stream';
import { finished } from 'node:stream/promises';
import Docker from 'dockerode';
import { CappedText } from '../capped-text.ts';
import { LaunchError, LaunchErrorCode } from '../launch-error.ts';
import { LaunchOutcome } from '../launch-outcome.ts';
import type { LaunchResult, LaunchSpec, Launcher } from '../launcher.ts';
import { containerEnding } from './container-ending.ts';
import { containerLabels, thisProcess } from './container-labels.ts';
import type { ContainerOwner } from './container-labels.ts';
import { reapContainers } from './reap-containers.ts';
import { TASK_FILE, taskArchive } from './task-archive.ts';

/** Options of `dockerLauncher`. */
export interface DockerLauncherOptions {
  /** The image of an attempt whose spec names none. */
  readonly image: string;
  /** The engine (default: `new Docker()`, which follows `DOCKER_HOST`, else /var/run/docker.sock). */
  readonly docker?: Docker;
  /** The command (default: the image's). */
  readonly command?: readonly string[];
  /** `HostConfig.NetworkMode` (default `host`, so a NATS on 127.0.0.1 is reachable). */
  readonly networkMode?: string;
  /**
   * `nofile` and `nproc` of every container (default 1024 each). Podman refuses limits above
   * the host's hard limits, and its default `nofile` is above many.
   */
  readonly ulimits?: { readonly nofile?: number; readonly nproc?: number };
  /** Largest stdout kept (default 1 MiB, what a report holds); the stderr tail kept is 4 KiB. */
  readonly maxOutputBytes?: number;
  /** Between SIGTERM and SIGKILL when the launcher stops a container (default 2 s). */
  readonly stopGraceMs?: number;
  /** Whose containers these are (default this process), and whether another owner still lives. */
  readonly owner?: ContainerOwner;
  readonly isAlive?: (pid: number) => boolean;
}

const MB = 1024 * 1024;
const STDERR_TAIL = 4_096;
/** How long the log stream may trail the container's exit. */
const STREAM_TRAIL_MS = 2_000;

/** docker-modem's splitter of an attached stream into stdout and stderr (its types say `any`). */
interface Demuxer {
  demuxStream(
    stream: NodeJS.ReadableStream,
    stdout: NodeJS.WritableStream,
    stderr: NodeJS.WritableStream,
  ): void;
}

/** The engine's HTTP status on an error from dockerode, if it has one. */
const statusOf = (error: unknown): number | undefined => {
  const code = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
};

const message = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

/**
 * The Docker launcher: each attempt runs in a fresh container of the engine's Docker API
 * (Docker, or Podman's compatible service) with the task's JSON at `/fleet-task.json`, memory
 * and CPU limits, a wall-clock limit, stdout and stderr captured (capped), and is removed
 * afterwards. Containers are labelled with the launching process, so `reapOrphans` removes
 * those of a worker that died on this host.
 */
export const dockerLauncher = (options: DockerLauncherOptions): Launcher => {
  const docker = options.docker ?? new Docker();
  const owner = options.owner ?? thisProcess();
  const maxOutput = options.maxOutputBytes ?? MB;
  const graceS = Math.ceil((options.stopGraceMs ?? 2_000) / 1000);

  const create = async (spec: LaunchSpec): Promise<Docker.Container> => {
    const image = spec.image ?? options.image;
    const { memoryMb, cpus } = spec.limits;
    try {
      return await docker.createContainer({
        Image: image,
        ...(options.command === undefined ? {} : { Cmd: [...options.command] }),
        Env: Object.entries({ ...spec.env, FLEET_TASK_FILE: TASK_FILE }).map(
          ([k, v]) => `${k}=${v}`,
        ),
        Labels: containerLabels(owner, spec),
        HostConfig: {
          NetworkMode: options.networkMode ?? 'host',
          ...(memoryMb === undefined ? {} : { Memory: memoryMb * MB, MemorySwap: memoryMb * MB }),
          ...(cpus === undefined ? {} : { NanoCpus: Math.round(cpus * 1e9) }),
          Ulimits: [
            {
              Name: 'nofile',
              Soft: options.ulimits?.nofile ?? 1024,
              Hard: options.ulimits?.nofile ?? 1024,
            },
            {
              Name: 'nproc',
              Soft: options.ulimits?.nproc ?? 1024,
              Hard: options.ulimits?.nproc ?? 1024,
            },
          ],
        },
      });
    } catch (error) {
      if (statusOf(error) === 404)
        throw new LaunchError(LaunchErrorCode.notFound, `no image ${image}: ${message(error)}`, {
          cause: error,
        });
      throw new LaunchError(
        LaunchErrorCode.unavailable,
        `the container engine refused the container: ${message(error)}`,
        { cause: error },
      );
    }
  };

  const runIn = async (container: Docker.Container, spec: LaunchSpec): Promise<LaunchResult> => {
    const stdout = new CappedText(maxOutput, 'head');
    const stderr = new CappedText(STDERR_TAIL, 'tail');
    await container.putArchive(await taskArchive(spec.input), { path: '/' });
    const stream = await container.attach({ stream: true, stdout: true, stderr: true });
    const [out, err] = [new PassThrough(), new PassThrough()];
    out.on('data', (chunk: Buffer) => {
      stdout.push(chunk);
    });
    err.on('data', (chunk: Buffer) => {
      stderr.push(chunk);
    });
    (docker.modem as Demuxer).demuxStream(stream, out, err);
    const streamEnded = finished(stream).catch(() => undefined);

    const lost = (detail: string): LaunchResult => ({
      outcome: LaunchOutcome.lost,
      stdout: stdout.text(),
      stderr: stderr.text(),
      truncated: stdout.truncated,
      detail,
    });
    let stoppedBy: 'timeout' | 'abort' | undefined;
    let started = false;
    const stop = (why: 'timeout' | 'abort') => {
      stoppedBy ??= why;
      // Not started yet, it is stopped once started: a stop before the start makes the engine
      // refuse the start. Already gone is fine: the wait below reports how it ended.
      if (started) container.stop({ t: graceS }).catch(() => undefined);
    };
    const onAbort = () => {
      stop('abort');
    };
    spec.signal.addEventListener('abort', onAbort, { once: true });
    let timer: NodeJS.Timeout | undefined;
    try {
      await container.start();
      started = true;
      timer = setTimeout(() => {
        stop('timeout');
      }, spec.limits.timeoutMs);
      if (stoppedBy !== undefined || spec.signal.aborted) onAbort();
      try {
        await container.wait();
      } catch (error) {
        return lost(`the container was lost: ${message(error)}`);
      }
      let trail: NodeJS.Timeout | undefined;
      await Promise.race([
        streamEnded,
        new Promise((resolve) => (trail = setTimeout(resolve, STREAM_TRAIL_MS))),
      ]);
      clearTimeout(trail);
      let state: Docker.ContainerInspectInfo['State'];
      try {
        state = (await container.inspect()).State;
      } catch (error) {
        // Removed under it (by hand, or by the reap of a worker that took it for an orphan).
        return lost(`the container was removed while it ran: ${message(error)}`);
      }
      const ending = containerEnding({
        exitCode: state.ExitCode,
        oomKilled: state.OOMKilled,
        memoryLimited: spec.limits.memoryMb !== undefined,
        stoppedBy,
        timeoutMs: spec.limits.timeoutMs,
      });
      return {
        ...ending,
        exitCode: state.ExitCode,
        stdout: stdout.text(),
        stderr: stderr.text(),
        truncated: stdout.truncated,
      };
    } finally {
      clearTimeout(timer);
      spec.signal.removeEventListener('abort', onAbort);
      (stream as Partial<Pick<Duplex, 'destroy'>>).destroy?.();
    }
  };

  return {
    kind: 'docker',
    run: async (spec) => {
      const container = await create(spec);
      try {
        return await runIn(container, spec);
      } catch (error) {
        if (error instanceof LaunchError) throw error;
        throw new LaunchError(
          LaunchErrorCode.unavailable,
          `the container could not be run: ${message(error)}`,
          { cause: error },
        );
      } finally {
        // Removed whatever happened; a removal that fails leaves an orphan for the next reap.
        await container.remove({ force: true, v: true }).catch(() => undefined);
      }
    },
    reapOrphans: () => reapContainers(docker, owner, options.isAlive ?? processAlive),
  };
};

/** Whether a process of this host is alive (signal 0 checks without sending anything). */
const processAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};
