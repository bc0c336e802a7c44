import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UnavailableError } from '../events/index.ts';
import type { Projections, ProjectionsSnapshot, Scope } from '../projections/index.ts';
import { presentedToken, TokenTable } from './hud-tokens.ts';
import type { HudTokens } from './hud-tokens.ts';
import { METRICS_CONTENT_TYPE, renderMetrics } from './render-metrics.ts';
import { loadPageAssets } from './page-assets.ts';
import { ACTION_PATHS, serveAction } from './action-route.ts';
import type { OperatorActions } from './operator-actions.ts';
import { scopeHistory } from './scope-history.ts';
import { taskRoute } from './task-route.ts';
import type { TaskSource } from './task-list.ts';

/** What the HUD reads: the projections, or anything that answers the same two calls. */
export type SnapshotSource = Pick<Projections, 'snapshot' | 'onChange'>;

/** Options of {@link startHud}. */
export interface HudOptions {
  readonly projections: SnapshotSource;
  /** TCP port; default 0 (any free port: read it from `url`). */
  readonly port?: number;
  /** When `port` is taken, listen on a free port instead of failing; default false. */
  readonly portFallback?: boolean;
  /** Interface to listen on; default `127.0.0.1` (the HUD is not exposed unless asked). */
  readonly host?: string;
  readonly tokens: HudTokens;
  /** Least time between two snapshot events of one stream; default 250 ms. */
  readonly coalesceMs?: number;
  /** Period of the keep-alive comments on event streams; default 15 s. */
  readonly heartbeatMs?: number;
  /** How often the history of each scope is sampled (after a change); default 1 s. */
  readonly historyMs?: number;
  /** The operators' actions from the page; none when absent (the HUD is then read-only). */
  readonly actions?: OperatorActions;
  /** Where the task list comes from; `GET /api/tasks` answers 501 without one. */
  readonly tasks?: TaskSource;
  /** Told of errors the server survived (a snapshot that could not be built). */
  readonly onError?: (error: unknown) => void;
}

/** A running HUD server. */
export interface Hud {
  /** Base URL, e.g. `http://127.0.0.1:7480/` (without a token). */
  readonly url: string;
  /** Event streams open now. */
  readonly streams: () => number;
  /** Closes every stream and connection and stops listening. */
  stop(): Promise<void>;
}

/** A snapshot as the HUD sends it: the projections' view plus the scope it was cut to. */
export type HudSnapshot = ProjectionsSnapshot & { readonly scope: Scope };

interface Stream {
  readonly res: ServerResponse;
  readonly scope: Scope;
}

/** A slow reader is skipped (the next snapshot supersedes the one it missed) past this backlog. */
const MAX_BACKLOG_BYTES = 1 << 20;

const scopeKey = (scope: Scope): string =>
  scope.kind === 'operator' ? 'operator' : `project:${scope.project}`;

const COMMON_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
} as const;

const sendJson = (res: ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { ...COMMON_HEADERS, 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
};

const unauthorized = (res: ServerResponse): void => {
  res.setHeader('www-authenticate', 'Bearer realm="fleet-hud"');
  sendJson(res, 401, {
    error: 'unauthorized',
    message: 'a valid token is required: Authorization: Bearer <token>, or ?token=<token>',
  });
};

const ROUTES = new Set([
  '/',
  '/api/snapshot',
  '/api/history',
  '/api/tasks',
  '/api/events',
  '/metrics',
]);

/**
 * Starts the mission-control HUD on node:http: `GET /` (the page), `GET /api/snapshot`
 * (JSON), `GET /api/history` (the scope's recent points for the charts, so a page starts full), `GET /api/tasks` (a search of the scope's tasks, see `TaskSource`), `GET /api/events` (Server-Sent Events: a `snapshot` event on connect and after
 * changes, at most one per `coalesceMs`, keep-alive comments between) and `GET /metrics`
 * (Prometheus text); `POST /api/actions/cancel`, `redrive`, `drain` and `revoke` (operators only, see `OperatorActions`). Every route needs a token (`Authorization: Bearer`, or `?token=`): an
 * operator token sees the whole fleet, a project token only its project, on every route.
 *
 * @throws UnavailableError when the port cannot be bound.
 */
export const startHud = async (options: HudOptions): Promise<Hud> => {
  const { projections } = options;
  const host = options.host ?? '127.0.0.1';
  const coalesceMs = options.coalesceMs ?? 250;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const tokens = new TokenTable(options.tokens);
  const page = loadPageAssets();
  const streams = new Set<Stream>();

  const snapshotOf = (scope: Scope): HudSnapshot => ({ ...projections.snapshot(scope), scope });
  const eventOf = (scope: Scope): string =>
    `event: snapshot\ndata: ${JSON.stringify(snapshotOf(scope))}\n\n`;

  // Coalescing: changes mark the view dirty; one flush per window serialises once per scope.
  let lastFlush = 0;
  let flushTimer: NodeJS.Timeout | undefined;
  const flush = () => {
    flushTimer = undefined;
    lastFlush = Date.now();
    const frames = new Map<string, string>();
    for (const stream of streams) {
      if (stream.res.writableLength > MAX_BACKLOG_BYTES) continue;
      const key = scopeKey(stream.scope);
      let frame = frames.get(key);
      if (frame === undefined) {
        try {
          frame = eventOf(stream.scope);
        } catch (error) {
          // A view that fails now may not next time: the streams wait for the next change.
          options.onError?.(error);
          return;
        }
        frames.set(key, frame);
      }
      stream.res.write(frame);
    }
  };
  const unsubscribe = projections.onChange(() => {
    if (flushTimer !== undefined || streams.size === 0) return;
    flushTimer = setTimeout(flush, Math.max(0, lastFlush + coalesceMs - Date.now()));
  });
  const heartbeat = setInterval(() => {
    for (const stream of streams) stream.res.write(`: heartbeat ${Date.now()}\n\n`);
  }, heartbeatMs);
  heartbeat.unref();
  const history = scopeHistory({ projections });
  const serveTasks = taskRoute(options.tasks, projections, sendJson, options.onError);
  const takeSample = () => {
    try {
      history.sample();
    } catch (error) {
      options.onError?.(error);
    }
  };
  takeSample();
  const sampler = setInterval(takeSample, options.historyMs ?? 1_000);
  sampler.unref();

  const openStream = (req: IncomingMessage, res: ServerResponse, scope: Scope) => {
    res.writeHead(200, {
      ...COMMON_HEADERS,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store, no-transform',
      connection: 'keep-alive',
      // Proxies such as nginx would otherwise hold the stream back.
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();
    req.socket.setNoDelay(true);
    const stream: Stream = { res, scope };
    streams.add(stream);
    res.write(`retry: 2000\n\n${eventOf(scope)}`);
    const close = () => {
      streams.delete(stream);
    };
    req.on('close', close);
    res.on('error', close);
  };

  // A failing view must not take the server down; the reader gets a 500 without details.
  const fail = (res: ServerResponse, error: unknown) => {
    options.onError?.(error);
    if (!res.headersSent)
      sendJson(res, 500, { error: 'internal', message: 'the snapshot could not be built' });
    else res.destroy(error instanceof Error ? error : undefined);
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://hud.invalid');
    if (ACTION_PATHS.has(url.pathname)) {
      const scope = tokens.scopeOf(presentedToken(req, url));
      if (scope === undefined) {
        unauthorized(res);
        return;
      }
      serveAction(req, res, scope, options.actions, sendJson);
      return;
    }
    if (!ROUTES.has(url.pathname)) {
      sendJson(res, 404, { error: 'not_found', message: `no such resource: ${url.pathname}` });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      sendJson(res, 405, { error: 'method_not_allowed', message: 'only GET is served' });
      return;
    }
    const scope = tokens.scopeOf(presentedToken(req, url));
    if (scope === undefined) {
      unauthorized(res);
      return;
    }
    switch (url.pathname) {
      case '/api/snapshot':
        sendJson(res, 200, snapshotOf(scope));
        return;
      case '/api/history':
        sendJson(res, 200, { scope, points: history.points(scope) });
        return;
      case '/api/tasks':
        serveTasks(res, url.searchParams, scope);
        return;
      case '/api/events':
        openStream(req, res, scope);
        return;
      case '/metrics':
        void renderMetrics(projections.snapshot(scope)).then(
          (text) => {
            res.writeHead(200, { ...COMMON_HEADERS, 'content-type': METRICS_CONTENT_TYPE });
            res.end(text);
          },
          (error: unknown) => {
            fail(res, error);
          },
        );
        return;
      default:
        res.writeHead(200, {
          ...COMMON_HEADERS,
          'content-type': 'text/html; charset=utf-8',
          'content-security-policy': page.csp,
        });
        res.end(page.html);
    }
  };

  const server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch (error) {
      fail(res, error);
    }
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      const onError = (cause: Error) => {
        reject(cause);
      };
      server.once('error', onError);
      server.listen(port, host, () => {
        server.off('error', onError);
        resolve();
      });
    });
  try {
    await listen(options.port ?? 0).catch(async (error: unknown) => {
      const inUse = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
      if (!inUse || options.portFallback !== true) throw error;
      await listen(0);
    });
  } catch (cause) {
    clearInterval(heartbeat);
    clearInterval(sampler);
    history.stop();
    unsubscribe();
    throw new UnavailableError(`the HUD cannot listen on ${host}:${options.port ?? 0}`, { cause });
  }
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;

  let stopped: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${port}/`,
    streams: () => streams.size,
    stop: () => {
      stopped ??= (async () => {
        unsubscribe();
        history.stop();
        clearTimeout(flushTimer);
        clearInterval(heartbeat);
        clearInterval(sampler);
        for (const stream of streams) stream.res.end();
        streams.clear();
        const closed = new Promise<void>((resolve) => {
          server.close(() => {
            resolve();
          });
        });
        server.closeAllConnections();
        await closed;
      })();
      return stopped;
    },
  };
};
