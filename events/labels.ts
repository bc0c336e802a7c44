import { z } from 'zod';

/** A label key: letters, digits and `._/-`, like Kubernetes label keys. */
export const LabelKey = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}$/, 'label keys are letters, digits and ._/-');
export type LabelKey = z.infer<typeof LabelKey>;

/** A label value. Numbers (or numeric strings) take part in `gt`/`gte`/`lt`/`lte`. */
export const LabelValue = z.union([z.string().max(256), z.number(), z.boolean()]);
export type LabelValue = z.infer<typeof LabelValue>;

/** A worker's free-form labels. */
export const Labels = z.record(LabelKey, LabelValue);
export type Labels = z.infer<typeof Labels>;

/** Operators of label constraints. */
export const LabelOp = {
  eq: 'eq',
  neq: 'neq',
  in: 'in',
  notIn: 'notIn',
  exists: 'exists',
  notExists: 'notExists',
  gt: 'gt',
  gte: 'gte',
  lt: 'lt',
  lte: 'lte',
} as const;
export type LabelOp = (typeof LabelOp)[keyof typeof LabelOp];

/**
 * A hard constraint on one worker label.
 * - `eq`: the label is present and equal (compared as text, so `80` equals `"80"`).
 * - `neq`: the label is absent or different.
 * - `in` / `notIn`: present and among `values` / absent or not among them.
 * - `exists` / `notExists`: the key is present / absent.
 * - `gt` `gte` `lt` `lte`: the label is a number (or a numeric string) and compares so.
 */
export const LabelConstraint = z.discriminatedUnion('op', [
  z.object({ key: LabelKey, op: z.enum([LabelOp.eq, LabelOp.neq]), value: LabelValue }).strict(),
  z
    .object({
      key: LabelKey,
      op: z.enum([LabelOp.in, LabelOp.notIn]),
      values: z.array(LabelValue).min(1).max(64),
    })
    .strict(),
  z.object({ key: LabelKey, op: z.enum([LabelOp.exists, LabelOp.notExists]) }).strict(),
  z
    .object({
      key: LabelKey,
      op: z.enum([LabelOp.gt, LabelOp.gte, LabelOp.lt, LabelOp.lte]),
      value: z.number(),
    })
    .strict(),
]);
export type LabelConstraint = z.infer<typeof LabelConstraint>;
