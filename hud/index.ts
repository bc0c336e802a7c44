/**
 * The mission-control HUD: a node:http server over the projections with the page (`page/`:
 * HTML, styles and scripts, inlined and served from memory, nothing remote), its snapshot as
 * JSON and as Server-Sent Events, and Prometheus metrics; every route scoped by token.
 */
export { startHud } from './start-hud.ts';
export type { Hud, HudOptions, HudSnapshot, SnapshotSource } from './start-hud.ts';
export { TokenTable, presentedToken } from './hud-tokens.ts';
export type { HudTokens } from './hud-tokens.ts';
export { METRICS_CONTENT_TYPE, metricsRegistry, renderMetrics } from './render-metrics.ts';
export { loadPageAssets } from './page-assets.ts';
export type { PageAssets } from './page-assets.ts';
export { parseTaskSearch, taskListPage, TASK_PAGE } from './task-list.ts';
export type { TaskListEntry, TaskListRow, TaskQuery, TaskSearch, TaskSource } from './task-list.ts';
export type {
  CancelRequest,
  DrainRequest,
  OperatorActions,
  RevokeRequest,
} from './operator-actions.ts';
