import { z } from 'zod';
import { ClaimRejected } from './claim-events.ts';
import { KeyIssued, KeyRevoked, KeyUsed } from './key-events.ts';
import { LimitCleared, LimitRefused, LimitSet, TaskOverLimit } from './limit-events.ts';
import { LaunchFailed, LaunchRequested, LaunchStarted } from './launch-events.ts';
import { RetentionLimits, RetentionPoint } from './retention-events.ts';
import { TaskProgress } from './progress-events.ts';
import {
  TaskAssigned,
  TaskCancelled,
  TaskCompleted,
  TaskDeadLettered,
  TaskFailed,
  TaskReady,
  TaskLeaseExtended,
  TaskTimedOut,
  TaskRedriven,
  TaskRequeued,
  TaskSubmitted,
} from './task-events.ts';
import {
  WorkerDraining,
  WorkerEnrolled,
  WorkerLeft,
  WorkerLost,
  WorkerRevoked,
} from './worker-events.ts';

/** Every event type, by name, with its schema. */
export const EventSchemas = {
  'key.issued': KeyIssued,
  'key.used': KeyUsed,
  'key.revoked': KeyRevoked,
  'worker.enrolled': WorkerEnrolled,
  'worker.draining': WorkerDraining,
  'worker.left': WorkerLeft,
  'worker.lost': WorkerLost,
  'worker.revoked': WorkerRevoked,
  'task.submitted': TaskSubmitted,
  'task.cancelled': TaskCancelled,
  'task.redriven': TaskRedriven,
  'task.assigned': TaskAssigned,
  'task.requeued': TaskRequeued,
  'task.ready': TaskReady,
  'task.lease_extended': TaskLeaseExtended,
  'task.timed_out': TaskTimedOut,
  'task.dead_lettered': TaskDeadLettered,
  'task.completed': TaskCompleted,
  'task.failed': TaskFailed,
  'task.progress': TaskProgress,
  'claim.rejected': ClaimRejected,
  'retention.point': RetentionPoint,
  'retention.limits': RetentionLimits,
  'limit.set': LimitSet,
  'limit.cleared': LimitCleared,
  'limit.refused': LimitRefused,
  'task.over_limit': TaskOverLimit,
  'launch.requested': LaunchRequested,
  'launch.started': LaunchStarted,
  'launch.failed': LaunchFailed,
} as const;

/** The name of an event type. */
export type EventType = keyof typeof EventSchemas;

/** Any Fleet event, discriminated by `type`. */
export const FleetEvent = z.discriminatedUnion('type', [
  KeyIssued,
  KeyUsed,
  KeyRevoked,
  WorkerEnrolled,
  WorkerDraining,
  WorkerLeft,
  WorkerLost,
  WorkerRevoked,
  TaskSubmitted,
  TaskCancelled,
  TaskRedriven,
  TaskAssigned,
  TaskRequeued,
  TaskReady,
  TaskLeaseExtended,
  TaskTimedOut,
  TaskDeadLettered,
  TaskCompleted,
  TaskFailed,
  TaskProgress,
  ClaimRejected,
  RetentionPoint,
  RetentionLimits,
  LimitSet,
  LimitCleared,
  LimitRefused,
  TaskOverLimit,
  LaunchRequested,
  LaunchStarted,
  LaunchFailed,
]);
/** Any Fleet event after validation (defaults filled in). */
export type FleetEvent = z.infer<typeof FleetEvent>;
/** Any Fleet event as a writer may send it (fields with defaults may be left out). */
export type FleetEventInput = z.input<typeof FleetEvent>;
/** The event of one type. */
export type EventOf<T extends EventType> = Extract<FleetEvent, { type: T }>;

/** Most events one message may carry. */
export const MAX_BATCH = 1000;

/**
 * One stored message: a single event, or a batch of events of types allowed on the message's
 * subject, accepted or refused together (one append, one sequence number).
 */
export const WireMessage = z.union([
  FleetEvent,
  z.object({ batch: z.array(FleetEvent).min(1).max(MAX_BATCH) }).strict(),
]);
export type WireMessage = z.input<typeof WireMessage>;

/** True when `type` names a Fleet event. */
export const isEventType = (type: string): type is EventType => Object.hasOwn(EventSchemas, type);
