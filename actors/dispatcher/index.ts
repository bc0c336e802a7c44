/**
 * The dispatcher of a pool as a running actor: the pool's rule (domain/pool) hosted on the
 * log, serving claims, heartbeats and task status over NATS.
 */
export { startDispatcher } from './dispatcher.ts';
export type { Dispatcher, DispatcherOptions } from './dispatcher.ts';
export type { RequestKind, RequestRefusal, RequestRefused } from './dispatcher.ts';
export { dispatcherLogic } from './dispatcher-logic.ts';
