import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import type { TaskInput } from '../../client/index.ts';
import { InvalidInputError } from '../../client/invalid-input-error.ts';
import type { CliContext } from '../cli-context.ts';
import { CONSTRAINT_FORMS } from '../constraint-forms.ts';
import { parseDuration } from '../parse-duration.ts';
import { deadlineOptions } from '../deadline-options.ts';
import { collect, parseInteger, parsePayload, parseList } from '../parse-options.ts';
import { followWaiting, waitAndPrint } from '../print-outcome.ts';
import { requiredPlace, submitFromFile } from './submit-from-file.ts';
import type { SubmitFileOptions } from './submit-from-file.ts';

interface SubmitOptions {
  project: string;
  pool: string;
  model?: string[];
  label?: string[];
  require?: string[];
  runtime?: string[];
  memory?: string;
  priority?: string;
  maxAttempts?: string;
  maxUsd?: string;
  maxTokens?: string;
  onLimit?: string;
  timeout?: string;
  scheduleToStart?: string;
  startToClose?: string;
  deadline?: string;
  delay?: string;
  notBefore?: string;
  payload?: string;
  id?: string;
  wait?: boolean;
  waitTimeout: string;
  json?: boolean;
  dispatcherCheck: boolean;
}

const POSITIVE = /^\d+(\.\d+)?$/;

/** `--max-usd`, `--max-tokens` and `--on-limit`, checked (the contract checks them again). */
const spendOptions = (o: SubmitOptions) => {
  const usd = o.maxUsd === undefined ? undefined : Number(o.maxUsd);
  if (o.maxUsd !== undefined && (!POSITIVE.test(o.maxUsd) || usd === 0))
    throw new InvalidInputError('--max-usd', `--max-usd "${o.maxUsd}" must be an amount over 0`);
  const tokens =
    o.maxTokens === undefined ? undefined : parseInteger(o.maxTokens, '--max-tokens', { min: 1 });
  if (o.onLimit !== undefined && o.onLimit !== 'wait' && o.onLimit !== 'fail')
    throw new InvalidInputError('--on-limit', `--on-limit "${o.onLimit}" must be wait or fail`);
  return {
    ...(usd === undefined && tokens === undefined
      ? {}
      : {
          maxSpend: {
            ...(usd === undefined ? {} : { usd }),
            ...(tokens === undefined ? {} : { tokens }),
          },
        }),
    ...(o.onLimit === undefined ? {} : { onLimit: o.onLimit }),
  };
};

/** `fleet submit`: submits one task, and with `--wait` waits for its outcome. */
export const registerSubmit = (program: Command, ctx: CliContext): void => {
  program
    .command('submit')
    .description('submit a task; prints its id (with --wait, also how it ended)')
    .option('--project <project>', 'the task’s project (tenant); required without --file')
    .option('--pool <pool>', 'the pool that runs it; required without --file')
    .option('--file <ndjson>', 'submit the tasks of a file, one JSON task per line (- for stdin)')
    .option('--skip-invalid', 'with --file: store the valid lines even if others are refused')
    .option('--model <model>', 'an acceptable model (repeatable or a,b: any of them)', collect)
    .option(
      '--label <constraint>',
      'a worker label constraint, e.g. gpu=a100 (repeatable)',
      collect,
    )
    .option(
      '--require <constraint>',
      `a label constraint: ${CONSTRAINT_FORMS} (repeatable)`,
      collect,
    )
    .option(
      '--runtime <kind>',
      'an acceptable runtime: process, docker, kubernetes, lambda (repeatable)',
      collect,
    )
    .option('--memory <mb>', 'memory the task needs, in MB')
    .option('--priority <n>', 'higher runs first (-1000 to 1000; default 0)')
    .option('--max-attempts <n>', 'attempts before it is dead-lettered (default 3)')
    .option('--timeout <duration>', 'lease of one attempt, e.g. 60s (default 60s)')
    .option('--schedule-to-start <duration>', 'time out unless an attempt starts within this')
    .option('--start-to-close <duration>', 'abort an attempt running longer (a failed attempt)')
    .option('--deadline <duration|time>', 'time out the task at this time (or this long from now)')
    .option('--max-usd <usd>', 'most one attempt may spend, reserved against the limits')
    .option('--max-tokens <n>', 'most tokens one attempt may use, reserved against the limits')
    .option('--on-limit <wait|fail>', 'when a limit holds it back: wait (default) or fail at once')
    .option('--delay <duration>', 'start no attempt before this long from now, e.g. 10m')
    .option('--not-before <time>', 'start no attempt before this time (ISO 8601 or epoch ms)')
    .option('--payload <json>', "the task's input: inline JSON, or @file.json")
    .option('--id <taskId>', 'the task id (default a random UUID)')
    .option('--wait', 'wait until the task ends and print its outcome (on stderr, why it waits)')
    .option('--wait-timeout <duration>', 'give up waiting after this long', '5m')
    .option('--json', 'print JSON')
    .option(
      '--no-dispatcher-check',
      'store the task even when no dispatcher serves its pool now (default: refuse, exit 1)',
    )
    .action(
      async (given: Omit<SubmitOptions, 'project' | 'pool'> & SubmitFileOptions, cmd: Command) => {
        if (given.file !== undefined) return submitFromFile(ctx, cmd, given.file, given);
        const o: SubmitOptions = { ...given, ...requiredPlace(cmd, given) };
        const { awaitTask, submitTask } = await import('../../client/index.ts');
        const { parseConstraint } = await import('../parse-constraint.ts');
        const { parseStartTime } = await import('../parse-start-time.ts');
        const models = parseList(o.model);
        const runtimes = parseList(o.runtime);
        const labels = [
          ...(o.label ?? []).map((t) => parseConstraint(t, '--label')),
          ...(o.require ?? []).map((t) => parseConstraint(t, '--require')),
        ];
        let input = {
          project: o.project,
          pool: o.pool,
          requirements: {
            labels,
            ...(models.length === 0 ? {} : { models }),
            ...(runtimes.length === 0 ? {} : { runtimes }),
            ...(o.memory === undefined
              ? {}
              : { memoryMb: parseInteger(o.memory, '--memory', { min: 1 }) }),
          },
          ...(o.id === undefined ? {} : { taskId: o.id }),
          ...(o.priority === undefined ? {} : { priority: parseInteger(o.priority, '--priority') }),
          ...(o.maxAttempts === undefined
            ? {}
            : { maxAttempts: parseInteger(o.maxAttempts, '--max-attempts', { min: 1 }) }),
          ...(o.timeout === undefined ? {} : { timeoutMs: parseDuration(o.timeout, '--timeout') }),
          ...spendOptions(o),
          ...deadlineOptions(o, Date.now()),
          ...parseStartTime(o, Date.now()),
          ...(o.payload === undefined ? {} : { payload: await parsePayload(o.payload) }),
        } as TaskInput;
        const waitMs = parseDuration(o.waitTimeout, '--wait-timeout');
        await ctx.withNats(cmd, async (nc, g) => {
          // A pool nobody dispatches would keep the task queued forever: say so, store nothing.
          if (o.dispatcherCheck) {
            const { dispatcherServes } = await import('../dispatcher-check.ts');
            const probe = o.id ?? randomUUID();
            const { RefusedError } = await import('../../events/index.ts');
            await dispatcherServes(nc, { project: o.project, pool: o.pool }, probe, {
              root: g.root,
              doing: 'nothing submitted (--no-dispatcher-check stores it anyway)',
            }).catch((e: unknown) => {
              // Credentials that may not ask may not store either: the submission says so.
              if (!(e instanceof RefusedError && e.reason === 'permission_denied')) throw e;
            });
            input = { ...input, taskId: probe };
          }
          const { taskId, seq } = await submitTask(nc, input, { root: g.root });
          if (o.wait !== true) {
            ctx.print(o.json === true ? JSON.stringify({ taskId, seq }) : taskId);
            return;
          }
          if (o.json !== true) ctx.print(taskId);
          const ref = { project: o.project, pool: o.pool, taskId, timeoutMs: waitMs };
          const follow = { root: g.root, stream: g.stream, onWaiting: followWaiting(ctx) };
          await waitAndPrint(ctx, () => awaitTask(nc, ref, follow), {
            json: o.json === true,
            extra: { taskId, seq },
          });
        });
      },
    );
};
