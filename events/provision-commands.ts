import { z } from 'zod';
import { KeyId, PoolId, ProjectId, WorkerId } from './ids.ts';
import { LaunchId } from './launch-events.ts';

const CommandMeta = z
  .object({
    /** The deciding actor's clock, epoch ms. */
    now: z.number().int().nonnegative(),
  })
  .strict();

/** Ids a provision round may give its launches: the shell draws them, the rule uses them. */
export const LaunchIds = z.object({ launchId: LaunchId, keyId: KeyId }).strict();
export type LaunchIds = z.infer<typeof LaunchIds>;

/**
 * Look at the pool's demand: launch one-shot workers for queued tasks no free worker serves
 * but a template could, and give up launches that never started in time.
 */
export const Provision = z
  .object({
    type: z.literal('provision'),
    data: z.object({ ids: z.array(LaunchIds).max(1000) }).strict(),
    meta: CommandMeta,
  })
  .strict();
export type Provision = z.infer<typeof Provision>;

const LaunchRef = { launchId: LaunchId, project: ProjectId, pool: PoolId };

/** The launched worker enrolled. */
export const RecordStarted = z
  .object({
    type: z.literal('record_started'),
    data: z.object({ ...LaunchRef, workerId: WorkerId }).strict(),
    meta: CommandMeta,
  })
  .strict();
export type RecordStarted = z.infer<typeof RecordStarted>;

/** The launch failed: why, in a stable code and words. */
export const RecordFailure = z
  .object({
    type: z.literal('record_failure'),
    data: z
      .object({ ...LaunchRef, code: z.string().max(128), message: z.string().max(1024) })
      .strict(),
    meta: CommandMeta,
  })
  .strict();
export type RecordFailure = z.infer<typeof RecordFailure>;

/** What a pool's provisioner is asked to decide. */
export const ProvisionCommand = z.discriminatedUnion('type', [
  Provision,
  RecordStarted,
  RecordFailure,
]);
export type ProvisionCommand = z.infer<typeof ProvisionCommand>;
