import type { TaskOutcome } from '../client/index.ts';
import type { TaskStatusReply } from '../events/index.ts';
import { WaitTimeoutError } from '../client/wait-timeout-error.ts';
import type { CliContext } from './cli-context.ts';

/** Prints how a task ended, or, with `json`, the outcome merged into `extra` as one line. */
export const printOutcome = (
  ctx: CliContext,
  outcome: TaskOutcome,
  options: { json?: boolean; extra?: Record<string, unknown> } = {},
): void => {
  if (options.json === true) {
    ctx.print(JSON.stringify({ ...options.extra, ...outcome }));
    return;
  }
  const n = outcome.attempts;
  ctx.print(`${outcome.status} after ${n} attempt${n === 1 ? '' : 's'}`);
  if (outcome.reason !== undefined) ctx.print(`reason: ${outcome.reason}`);
  if (outcome.error !== undefined)
    ctx.print(
      `error: ${outcome.error.code === undefined ? '' : `[${outcome.error.code}] `}${outcome.error.message}`,
    );
  if (outcome.output !== undefined) ctx.print(`output: ${JSON.stringify(outcome.output)}`);
  if (outcome.runtime !== undefined) ctx.print(runtimeLine(outcome.runtime));
  const u = outcome.usage;
  if (u !== undefined)
    ctx.print(
      `usage: ${u.tokensIn} tokens in, ${u.tokensOut} out, ${u.durationMs} ms` +
        `${u.costUsd === undefined ? '' : `, $${u.costUsd}`}${u.model === undefined ? '' : `, ${u.model}`}`,
    );
};

/**
 * Waits with `wait` and prints the outcome; the exit code is 0 when the task completed and 1
 * otherwise, also when the wait ran out (reported on stderr; not 2, which is for errors).
 */
export const waitAndPrint = async (
  ctx: CliContext,
  wait: () => Promise<TaskOutcome>,
  options: { json?: boolean; extra?: Record<string, unknown> } = {},
): Promise<void> => {
  try {
    const outcome = await wait();
    printOutcome(ctx, outcome, options);
    ctx.exitCode = outcome.status === 'completed' ? 0 : 1;
  } catch (e) {
    if (!(e instanceof WaitTimeoutError)) throw e;
    ctx.warn(`error [${e.code}]: ${e.message}`);
    ctx.exitCode = 1;
  }
};

/** A running attempt's latest progress in words: `progress 3/10 (30%): page 3`. */
export const progressText = (p: NonNullable<TaskStatusReply['progress']>): string => {
  const { done, total, message } = p;
  const amount =
    done === undefined
      ? ''
      : total === undefined
        ? ` ${done}`
        : ` ${done}/${total} (${Math.floor((100 * Math.min(done, total)) / total)}%)`;
  return `progress${amount}${message === undefined ? '' : `: ${message}`}`;
};

/** Where a task that has not ended stands, in one line: `queued after 0 attempts; waiting: …`. */
export const standing = (r: TaskStatusReply): string =>
  `${r.status} after ${r.attempts} attempt${r.attempts === 1 ? '' : 's'}` +
  (r.waiting === undefined ? '' : `; waiting: ${r.waiting.detail}`) +
  (r.progress === undefined || (r.progress.done === undefined && r.progress.message === undefined)
    ? ''
    : `; ${progressText(r.progress)}`) +
  (r.resubmitted === undefined
    ? ''
    : `; resubmitted at seq ${r.resubmitted.seq}: ${r.resubmitted.detail}`) +
  (r.runtime === undefined ? '' : `\n${runtimeLine(r.runtime)}`);

/** The runtime chosen for a task a worker was launched for, and why. */
const runtimeLine = (r: NonNullable<TaskStatusReply['runtime']>): string =>
  `runtime: ${r.kind}${r.template === undefined ? '' : ` (template ${r.template})`}: ${r.reason}`;

/**
 * What `--wait` shows while a task has not ended: a line on stderr each time where it stands,
 * or why it waits, changes — the same words as `fleet top`.
 */
export const followWaiting = (ctx: CliContext): ((reply: TaskStatusReply) => void) => {
  let last = '';
  return (reply) => {
    // Not folded by the dispatcher yet: nothing to explain.
    if (reply.status === 'unknown') return;
    const line = standing(reply);
    if (line !== last) ctx.warn(line);
    last = line;
  };
};
