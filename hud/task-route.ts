import type { ServerResponse } from 'node:http';
import type { Scope } from '../projections/index.ts';
import type { SnapshotSource } from './start-hud.ts';
import { parseTaskSearch, taskListPage } from './task-list.ts';
import type { TaskSource } from './task-list.ts';

type SendJson = (res: ServerResponse, status: number, body: unknown) => void;

/** Task reads at once: each folds the scope's part of the log, so more wait their turn. */
export const MAX_TASK_READS = 2;

/**
 * Serves `GET /api/tasks`: the scope's tasks matching the search (a project token's read
 * covers only its project), newest first, a bounded page, queued ones with why they wait.
 * Past {@link MAX_TASK_READS} reads in flight a search is answered 503 with `Retry-After`.
 */
export const taskRoute = (
  source: TaskSource | undefined,
  projections: SnapshotSource,
  sendJson: SendJson,
  onError: ((error: unknown) => void) | undefined,
) => {
  let reading = 0;
  return (res: ServerResponse, params: URLSearchParams, scope: Scope): void => {
    const search = parseTaskSearch(params, scope);
    if ('refused' in search) {
      sendJson(res, 400, { error: 'invalid_request', message: search.refused });
      return;
    }
    if (source === undefined) {
      sendJson(res, 501, { error: 'not_implemented', message: 'this HUD lists no tasks' });
      return;
    }
    if (reading >= MAX_TASK_READS) {
      res.setHeader('retry-after', '1');
      sendJson(res, 503, { error: 'busy', message: 'other task searches are being read: retry' });
      return;
    }
    reading += 1;
    source(search.query)
      .then((rows) => {
        const waiting = projections.snapshot(scope).fleet.waiting;
        sendJson(res, 200, { scope, ...taskListPage(rows, search, waiting) });
      })
      // A failed read or view must not take the server down: the reader gets a 502.
      .catch((error: unknown) => {
        onError?.(error);
        if (res.headersSent) res.destroy();
        else sendJson(res, 502, { error: 'unavailable', message: 'the tasks could not be read' });
      })
      .finally(() => {
        reading -= 1;
      });
  };
};
