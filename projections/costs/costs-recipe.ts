import { isReadable } from '../../events/index.ts';
import type { EventOf } from '../../events/index.ts';
import type { JudgedItem } from '../fold-item.ts';
import { emptyCell, HOURLY_RETENTION_HOURS } from './state.ts';
import type { CostCell, CostsState } from './state.ts';

const HOUR_MS = 3_600_000;
const ENDED = new Set(['completed', 'failed', 'cancelled', 'dead_lettered', 'timed_out']);

/** The model a report is billed to: the one it names, else the task's, else the worker's only one. */
const modelOf = (
  s: CostsState,
  e: EventOf<'task.completed'> | EventOf<'task.failed'>,
  taskKey: string,
): string => {
  const { usage, pool, workerId } = e.data;
  if (usage.model !== undefined) return usage.model;
  const asked = s.taskModels[taskKey];
  if (asked !== undefined) return asked;
  const offered = s.workers[`${pool}|${workerId}`];
  return offered?.length === 1 && offered[0] !== undefined ? offered[0] : 'unknown';
};

const add = (
  cell: CostCell,
  e: EventOf<'task.completed'> | EventOf<'task.failed'>,
  ended: boolean,
) => {
  const { usage } = e.data;
  if (e.type === 'task.completed') cell.completed += 1;
  else {
    cell.failures += 1;
    if (ended) cell.failed += 1;
  }
  cell.tokensIn += usage.tokensIn;
  cell.tokensOut += usage.tokensOut;
  if (usage.costUsd === undefined) {
    cell.unpricedIn += usage.tokensIn;
    cell.unpricedOut += usage.tokensOut;
  } else cell.reportedUsd += usage.costUsd;
  cell.computeMs += usage.durationMs;
};

/** Drops hourly figures older than the retention, when a new hour begins. */
const prune = (s: CostsState, hour: number) => {
  if (hour <= s.latestHour) return;
  s.latestHour = hour;
  const oldest = hour - HOURLY_RETENTION_HOURS * HOUR_MS;
  for (const [k, cell] of Object.entries(s.hourly)) if (cell.hour < oldest) delete s.hourly[k];
};

/**
 * The costs fold: every report the dispatcher accepted adds its usage to its project, pool,
 * model and worker, and to its UTC hour of stream time. Refused reports (forged, stale,
 * duplicate) add nothing. Prices are not applied here but when viewed, so a new price table
 * needs no refold.
 */
export const costsRecipe = (s: CostsState, item: JudgedItem): void => {
  const { entry } = item;
  if (!isReadable(entry)) return;
  entry.events.forEach((e, i) => {
    const v = item.verdicts[i];
    if (v?.kind !== 'applied') return;
    const d = e.data;
    const taskKey = 'taskId' in d ? `${d.pool}|${d.project}|${d.taskId}` : '';
    switch (e.type) {
      case 'worker.enrolled':
        s.workers[`${e.data.pool}|${e.data.workerId}`] = [...e.data.models];
        break;
      case 'worker.left':
      case 'worker.lost':
      case 'worker.revoked':
        // It reports nothing more: its reports are refused from now on.
        delete s.workers[`${e.data.pool}|${e.data.workerId}`];
        break;
      case 'task.submitted': {
        const models = e.data.requirements.models;
        if (models?.length === 1 && models[0] !== undefined) s.taskModels[taskKey] = models[0];
        break;
      }
      case 'task.completed':
      case 'task.failed': {
        const { project, pool, workerId } = e.data;
        const model = modelOf(s, e, taskKey);
        const ended = v.to !== undefined && ENDED.has(v.to);
        const total = (s.totals[[project, pool, model, workerId].join('|')] ??= {
          project,
          pool,
          model,
          workerId,
          ...emptyCell(),
        });
        add(total, e, ended);
        const hour = Math.floor(entry.at / HOUR_MS) * HOUR_MS;
        prune(s, hour);
        const hourly = (s.hourly[[hour, project, pool, model].join('|')] ??= {
          hour,
          project,
          pool,
          model,
          ...emptyCell(),
        });
        add(hourly, e, ended);
        break;
      }
      default:
        break;
    }
    if (v.to !== undefined && ENDED.has(v.to)) delete s.taskModels[taskKey];
  });
};
