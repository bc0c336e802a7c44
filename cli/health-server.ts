import type { Server } from 'node:http';
import type { CatchUpProgress } from '../actors/host/index.ts';

/** What a health endpoint tells: each actor's readiness, and how far those catching up are. */
export class Readiness {
  readonly #actors = new Map<
    string,
    { ready: boolean; position: number; target: number; role?: 'active' | 'standby' }
  >();

  /** An actor that has started and is catching up. */
  starting(actor: string): void {
    this.#actors.set(actor, { ready: false, position: 0, target: 0 });
  }

  progress(p: CatchUpProgress): void {
    this.#actors.set(p.actor, { ready: false, position: p.position, target: p.target });
  }

  ready(actor: string, position: number): void {
    this.#actors.set(actor, { ready: true, position, target: position });
  }

  /**
   * A dispatcher's role: `active` serves its pool, `standby` folds it and takes over when the
   * active one's lease lapses. Both are ready: a standby is healthy.
   */
  role(actor: string, role: 'active' | 'standby'): void {
    const a = this.#actors.get(actor);
    if (a !== undefined) this.#actors.set(actor, { ...a, role });
  }

  /** Ready when every actor is. */
  get isReady(): boolean {
    return this.#actors.size > 0 && [...this.#actors.values()].every((a) => a.ready);
  }

  toJSON(): { status: 'ready' | 'catching_up'; actors: Record<string, unknown> } {
    return {
      status: this.isReady ? 'ready' : 'catching_up',
      actors: Object.fromEntries(this.#actors),
    };
  }
}

/** What a health endpoint reads: whether the service is ready, and what it says of itself. */
export interface HealthSource {
  readonly isReady: boolean;
  toJSON(): unknown;
}

/**
 * Serves `GET /healthz` on `host:port`: 200 with `{"status":"ready", ...}` once every actor is
 * ready, 503 with `"catching_up"` and each actor's position and target before — for a readiness
 * probe. `GET /livez` answers 200 as long as the process does — for a liveness probe, which must
 * not fail while the service is starting or draining. Anything else is 404. It says nothing of
 * tasks or tenants.
 */
export const startHealthServer = async (
  readiness: HealthSource,
  port: number,
  host = '127.0.0.1',
): Promise<{ readonly port: number; stop(): Promise<void> }> => {
  const { createServer } = await import('node:http');
  const server: Server = createServer((req, res) => {
    const read = req.method === 'GET' || req.method === 'HEAD';
    const alive = read && req.url === '/livez';
    const ok = read && req.url === '/healthz';
    const status = alive ? 200 : !ok ? 404 : readiness.isReady ? 200 : 503;
    const body = alive
      ? JSON.stringify({ status: 'alive' })
      : ok
        ? JSON.stringify(readiness)
        : JSON.stringify({ error: 'not_found' });
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
};
