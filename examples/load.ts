/**
 * Fleet under load, live on the HUD: three tenants with eight workers each in two pools (mixed
 * models and runtimes), thousands of tasks with mixed models, priorities and payload sizes,
 * some failing (retried, a few for good), and one worker killed midway whose tasks move to
 * others. At the end the whole stream is read back to check that every task ended where it
 * should and that no task crossed tenants.
 *
 *   npm run example:load        (NATS_URL to use a running server, else an embedded one)
 *   npm run example:load -- --tasks 5000 --hud-port 7480
 *   npm run example:load -- --watch     (starts once the HUD page is open; keeps it up after)
 */
import { parseArgs } from 'node:util';
import { ensureNats } from '../infra/embedded-nats.ts';
import { runLoad } from './load/run-load.ts';
import { runAsScript } from './run-as-script.ts';

export { runLoad } from './load/run-load.ts';
export type { LoadOptions } from './load/load-options.ts';
export type { KilledWorker, LoadResult } from './load/load-result.ts';
export type { Percentiles } from './load/percentiles.ts';

/** The script: the embedded NATS default (or NATS_URL), the scenario, exit code 1 on failure. */
const main = async (): Promise<number> => {
  const { values } = parseArgs({
    options: {
      tasks: { type: 'string' },
      'hud-port': { type: 'string' },
      watch: { type: 'boolean', default: false },
    },
  });
  const color = process.stdout.isTTY && process.env['NO_COLOR'] === undefined;
  const nats = await ensureNats({ log: (line) => console.log(line) });
  try {
    const result = await runLoad({
      natsUrl: nats.url,
      color,
      ...(values.tasks === undefined ? {} : { tasks: Number(values.tasks) }),
      ...(values['hud-port'] === undefined ? {} : { hudPort: Number(values['hud-port']) }),
      ...(values.watch
        ? {
            waitForViewerMs: 10 * 60_000,
            afterRun: async () => {
              console.log('The HUD stays up for a look: Ctrl-C to exit.');
              await new Promise<void>((resolve) => {
                process.once('SIGINT', resolve);
                process.once('SIGTERM', resolve);
              });
            },
          }
        : {}),
    });
    return result.ok ? 0 : 1;
  } finally {
    await nats.stop();
  }
};

runAsScript(import.meta.url, main);
