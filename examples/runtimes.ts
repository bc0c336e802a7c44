/**
 * Heterogeneous runtimes in one pool: process workers running all along, Docker containers and
 * Lambda invocations launched on demand per task; the summary says which runtime ran each
 * class of tasks and why.
 *
 *   scripts/container-engine.sh start   (as root, once: the container engine)
 *   npm run example:runtimes            (NATS_URL to use a running server, else an embedded one)
 */
import { ensureNats } from '../infra/embedded-nats.ts';
import { runRuntimes } from './runtimes/run-runtimes.ts';
import { runAsScript } from './run-as-script.ts';

export { runRuntimes } from './runtimes/run-runtimes.ts';
export type { RuntimesOptions } from './runtimes/run-runtimes.ts';
export type { ClassResult, RuntimesResult } from './runtimes/runtimes-result.ts';

const main = async (): Promise<number> => {
  const color = process.stdout.isTTY && process.env['NO_COLOR'] === undefined;
  const nats = await ensureNats({ log: (line) => console.log(line) });
  try {
    const result = await runRuntimes({ natsUrl: nats.url, color });
    return result.ok ? 0 : 1;
  } finally {
    await nats.stop();
  }
};

runAsScript(import.meta.url, main);
