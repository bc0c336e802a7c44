import { z } from 'zod';
import { defineEvent } from './define-event.ts';
import { KeyId, PoolId, ProjectId, TaskId, WorkerId } from './ids.ts';
import { INHERITED, NAME } from './names.ts';
import { RuntimeKind } from './runtime.ts';

/** A launch of an ephemeral worker: `l` and 16 hex digits, chosen by the provisioner. */
export const LaunchId = z
  .string()
  .regex(/^l[0-9a-f]{16}$/, 'a launch id is l and 16 hex digits')
  .brand<'LaunchId'>();
export type LaunchId = z.infer<typeof LaunchId>;

/** A runtime template's name (the provisioner's configuration names each). */
export const TemplateName = z
  .string()
  .regex(NAME, 'a template name is a lowercase name (letters, digits, - and _)')
  .refine((s) => !INHERITED.has(s), {
    error: 'a template name may not be constructor and the like',
  });

const LaunchRef = { launchId: LaunchId, project: ProjectId, pool: PoolId };

/**
 * The provisioner decides to launch a one-shot worker from a template for a queued task that
 * no live worker can serve now. Written on `fleet.<project>.<pool>.launch`, exclusively (two
 * provisioners racing on one pool cannot both launch). The worker enrolls with key `keyId`:
 * single use, its labels exactly the template's; only the hash of its secret is ever stored.
 */
export const LaunchRequested = defineEvent(
  'launch.requested',
  z
    .object({
      ...LaunchRef,
      taskId: TaskId,
      template: TemplateName,
      runtime: z.enum(RuntimeKind),
      keyId: KeyId,
      /** The template's configured cost of one launch (what the choice among fits weighed). */
      cost: z.number().nonnegative(),
      /** Why this template: the fit, warm workers, cost — in words. */
      reason: z.string().max(1024),
      /**
       * The template's `maxConcurrent` when it was chosen: `fleet audit` checks that no more
       * launches of it were live at once.
       */
      maxConcurrent: z.number().int().positive().max(10_000).optional(),
      /**
       * The last stream sequence the provisioner had folded when it decided: the audit judges
       * "queued, and no free worker fits" as of then (a worker freed after it is no fault).
       */
      foldedSeq: z.number().int().nonnegative().optional(),
    })
    .strict(),
);
export type LaunchRequested = z.infer<typeof LaunchRequested>;

/** The launched worker enrolled: it is `workerId` and will run one task, then leave. */
export const LaunchStarted = defineEvent(
  'launch.started',
  z.object({ ...LaunchRef, workerId: WorkerId }).strict(),
);
export type LaunchStarted = z.infer<typeof LaunchStarted>;

/**
 * The launch failed (no key, no enrollment, the runtime refused or could not be reached, the
 * worker never started): the template backs off until `retryAt` (epoch ms).
 */
export const LaunchFailed = defineEvent(
  'launch.failed',
  z
    .object({
      ...LaunchRef,
      code: z.string().max(128),
      message: z.string().max(1024),
      retryAt: z.number().int().nonnegative(),
    })
    .strict(),
);
export type LaunchFailed = z.infer<typeof LaunchFailed>;
