/**
 * Runnable scenarios. `runMultiTenant` is the isolation demo (`npm run demo`); `runRuntimes`
 * one pool on three runtimes (`npm run example:runtimes`); `readStream` and
 * `verifyIsolation` are its audit: read the whole log back and fold it with the dispatcher core.
 */
export { runMultiTenant } from './multi-tenant.ts';
export type { MultiTenantOptions, MultiTenantResult } from './multi-tenant.ts';
export { runBudgets } from './budgets.ts';
export type { BudgetsOptions, BudgetsResult } from './budgets.ts';
export { runRuntimes } from './runtimes.ts';
export type { ClassResult, RuntimesOptions, RuntimesResult } from './runtimes.ts';
export { readStream } from './read-stream.ts';
export { verifyIsolation } from './verify-isolation.ts';
export type { IsolationReport, TenantSummary, UnfinishedTask } from './verify-isolation.ts';
