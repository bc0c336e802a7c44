/**
 * Multi-tenant isolation, end to end: two tenants share two pools and the same models; a
 * worker of one tenant asks for the other's work and is refused; at the end the whole stream
 * is read back and folded again to prove that no task crossed tenants.
 *
 *   npm run example:multi-tenant        (NATS_URL to use a running server, else an embedded one)
 *   npm run example:multi-tenant -- --secure   (its own nats-server with JWT auth: the server
 *                                               itself refuses the cross-tenant claim too)
 */
import { ensureNats } from '../infra/embedded-nats.ts';
import { runMultiTenant } from './multi-tenant/run-multi-tenant.ts';
import { runAsScript } from './run-as-script.ts';

export { runMultiTenant } from './multi-tenant/run-multi-tenant.ts';
export type { MultiTenantOptions } from './multi-tenant/multi-tenant-options.ts';
export type { MultiTenantResult } from './multi-tenant/multi-tenant-result.ts';

/** The script: the embedded NATS default (or NATS_URL), the scenario, exit code 1 on failure. */
const main = async (): Promise<number> => {
  const color = process.stdout.isTTY && process.env['NO_COLOR'] === undefined;
  const secure = process.argv.includes('--secure');
  const nats = secure
    ? { url: '', stop: () => Promise.resolve() }
    : await ensureNats({ log: (line) => console.log(line) });
  try {
    const result = await runMultiTenant({ natsUrl: nats.url, color, secure });
    return result.ok ? 0 : 1;
  } finally {
    await nats.stop();
  }
};

runAsScript(import.meta.url, main);
