/**
 * Tenant budgets, rate limits and caps under load: three tenants share a pool, one on a tight
 * budget, one on a rate limit; the waits are shown with their reasons, the spend stops at the
 * budget, and the audit re-derives every limit from the stream and finds no breach.
 *
 *   npm run example:budgets        (NATS_URL to use a running server, else an embedded one)
 */
import { ensureNats } from '../infra/embedded-nats.ts';
import { runBudgets } from './budgets/run-budgets.ts';
import { runAsScript } from './run-as-script.ts';

export { runBudgets } from './budgets/run-budgets.ts';
export type { BudgetsOptions, BudgetsResult } from './budgets/run-budgets.ts';

const main = async (): Promise<number> => {
  const color = process.stdout.isTTY && process.env['NO_COLOR'] === undefined;
  const nats = await ensureNats({ log: (line) => console.log(line) });
  try {
    return (await runBudgets({ natsUrl: nats.url, color })).ok ? 0 : 1;
  } finally {
    await nats.stop();
  }
};

runAsScript(import.meta.url, main);
