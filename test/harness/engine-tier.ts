import { existsSync, statSync } from 'node:fs';

/**
 * The container tier: test files named `*.engine.e2e.test.ts` run containers on a real engine
 * through its Docker API: Docker, or Podman's compatible service that
 * `scripts/container-engine.sh start` runs. They run only when an engine is found (`DOCKER_HOST`,
 * else that script's socket, else /var/run/docker.sock); otherwise vitest.config.ts leaves them
 * out and the global setup says so loudly. `FLEET_REQUIRE_ENGINE=1` (set by `.ci/run`) turns a
 * missing engine into a failed run instead.
 */
export const ENGINE_TESTS = '**/*.engine.e2e.test.ts';

/** The socket `scripts/container-engine.sh` serves on (its FLEET_ENGINE_SOCKET default). */
export const PROJECT_ENGINE_SOCKET = '/run/fleet-engine.sock';
const DOCKER_SOCKET = '/var/run/docker.sock';

/** The engine's address: `DOCKER_HOST`, else the first socket of the two that exists. */
export const engineHost = (): string | undefined => {
  const set = process.env.DOCKER_HOST;
  if (set !== undefined && set !== '') return set;
  for (const socket of [PROJECT_ENGINE_SOCKET, DOCKER_SOCKET])
    if (existsSync(socket) && statSync(socket).isSocket()) return `unix://${socket}`;
  return undefined;
};

/** Whether a missing engine must fail the run (`FLEET_REQUIRE_ENGINE=1`, as in CI). */
export const engineRequired = (): boolean => process.env.FLEET_REQUIRE_ENGINE === '1';

/** Whether an engine address is known (a unix socket that exists, or any other DOCKER_HOST). */
export const engineFound = (): boolean => engineHost() !== undefined;

const banner = (lines: readonly string[]): string => {
  const rule = '='.repeat(78);
  return `\n${rule}\n${lines.map((l) => (l ? `  ${l}` : l)).join('\n')}\n${rule}\n\n`;
};

/** The notice for a run without the container tier. */
export const engineTierNotRunNotice = (): string =>
  banner([
    `CONTAINER TIER NOT RUN: no container engine (DOCKER_HOST unset, no socket at`,
    `${PROJECT_ENGINE_SOCKET} or ${DOCKER_SOCKET}). The ${ENGINE_TESTS} files (the`,
    'docker runtime against a real engine) were left out of this run. To run them too, as',
    "root, install Debian's podman and start its Docker-compatible API, then rerun:",
    '',
    '    apt-get install -y podman busybox-static && scripts/container-engine.sh start && npm test',
    '',
    'or point DOCKER_HOST at a Docker daemon. FLEET_REQUIRE_ENGINE=1 (as .ci/run sets) makes a',
    'missing engine fail the run.',
  ]);

/** The one line at the start of a run without the container tier. */
export const engineTierOffLine = (): string =>
  `Container tier off: no container engine, so ${ENGINE_TESTS} are left out ` +
  `(scripts/container-engine.sh start, or DOCKER_HOST=<engine>).\n`;

/** The error for a run that requires the container tier and has no engine. */
export const engineTierMissingError = (why: string): string =>
  `FLEET_REQUIRE_ENGINE=1 but the container tier (${ENGINE_TESTS}) cannot run: ${why}. ` +
  'Start one (scripts/container-engine.sh start) or set DOCKER_HOST.';

/** The one line for a run with the container tier. */
export const engineTierIncludedNotice = (): string =>
  `Container tier included: ${ENGINE_TESTS} ran against ${engineHost() ?? '?'}.\n`;
