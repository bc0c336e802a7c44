/**
 * The provisioner of a pool: launches one-shot workers from runtime templates for queued
 * tasks that no free worker serves (the rule is domain/provision/), each enrolled with a
 * single-use key restricted to its template's labels, and records how each launch went.
 */
export { startProvisioner } from './provisioner.ts';
export type {
  HandlerFor,
  LaunchProblem,
  Provisioner,
  ProvisionerEvent,
  ProvisionerOptions,
} from './provisioner.ts';
export { provisionerLogic } from './provisioner-logic.ts';
export { startOneShot } from './one-shot-worker.ts';
export type { OneShot, OneShotOptions } from './one-shot-worker.ts';
