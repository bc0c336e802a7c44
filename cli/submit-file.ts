import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { NatsConnection } from '@nats-io/transport-node';
import { chunkSubmissions, InvalidInputError, publishStored } from '../client/index.ts';
import { encode, subjects } from '../events/index.ts';
import type { CliContext } from './cli-context.ts';
import { errorMessage } from './error-message.ts';
import { readTaskLines } from './task-lines.ts';
import type { RefusedLine } from './task-lines.ts';

/** What became of each line of a task file. */
export interface FileReport {
  readonly stored: { line: number; taskId: string; seq: number }[];
  /** Lines that are not valid tasks. */
  readonly refused: RefusedLine[];
  /** Valid lines that were not stored: their message failed, or refused lines held them back. */
  readonly unsent: { line: number; taskId: string; message: string }[];
}

/** The file's lines as a stream: a path, or `-` for standard input. */
const open = (ctx: CliContext, file: string): Readable => {
  if (file !== '-') return createReadStream(file, 'utf8');
  const stdin = ctx.io.stdin;
  if (stdin === undefined) throw new InvalidInputError('--file', '--file -: there is no stdin');
  return stdin();
};

/** `1-3, 5`: line numbers, runs joined. */
const lineList = (lines: readonly number[]): string => {
  const parts: string[] = [];
  for (let i = 0; i < lines.length;) {
    let j = i;
    while (j + 1 < lines.length && lines[j + 1] === (lines[j] ?? 0) + 1) j += 1;
    parts.push(i === j ? String(lines[i]) : `${lines[i]}-${lines[j]}`);
    i = j + 1;
  }
  return parts.join(', ');
};

/**
 * `fleet submit --file`: submits the tasks of an NDJSON file (or stdin), each line validated
 * first. Unless `skipInvalid`, one invalid line stores nothing; otherwise the valid lines are
 * stored. Messages are stored one by one, each whole or not at all, and the report says which
 * lines were stored, refused, or not sent; the exit code is 0 only when every line was stored.
 */
export const submitFile = async (
  ctx: CliContext,
  nc: NatsConnection,
  root: string,
  o: { file: string; project?: string; pool?: string; skipInvalid: boolean; json: boolean },
): Promise<FileReport> => {
  let input: Readable;
  try {
    input = open(ctx, o.file);
  } catch (e) {
    if (e instanceof InvalidInputError) throw e;
    throw new InvalidInputError('--file', `--file: cannot read ${o.file}`, { cause: e });
  }
  const defaults = {
    ...(o.project === undefined ? {} : { project: o.project }),
    ...(o.pool === undefined ? {} : { pool: o.pool }),
  };
  const { tasks, refused } = await readTaskLines(input, defaults, Date.now()).catch(
    (cause: unknown) => {
      throw new InvalidInputError(
        '--file',
        `--file: cannot read ${o.file}: ${errorMessage(cause)}`,
        {
          cause,
        },
      );
    },
  );
  const report: FileReport = { stored: [], refused, unsent: [] };
  const held = refused.length > 0 && !o.skipInvalid;
  if (held)
    for (const t of tasks)
      report.unsent.push({
        line: t.line,
        taskId: t.event.data.taskId,
        message: 'not sent: other lines are not valid tasks (--skip-invalid stores the rest)',
      });
  else {
    const s = subjects(root);
    const events = tasks.map((t) => t.event);
    for (const c of chunkSubmissions(events, (e) => s.submit(e.data.project, e.data.pool))) {
      const lines = c.indexes.map((i) => tasks[i]).filter((t) => t !== undefined);
      try {
        const seq = await publishStored(nc, c.subject, encode(c.events), root);
        for (const t of lines)
          report.stored.push({ line: t.line, taskId: t.event.data.taskId, seq });
      } catch (e) {
        for (const t of lines)
          report.unsent.push({
            line: t.line,
            taskId: t.event.data.taskId,
            message: errorMessage(e),
          });
      }
    }
    report.stored.sort((a, b) => a.line - b.line);
  }
  printReport(ctx, report, o.json);
  if (report.refused.length > 0 || report.unsent.length > 0) ctx.exitCode = 2;
  return report;
};

const printReport = (ctx: CliContext, r: FileReport, json: boolean): void => {
  if (json) {
    ctx.print(JSON.stringify(r));
    return;
  }
  const lines = r.stored.length + r.refused.length + r.unsent.length;
  const messages = new Set(r.stored.map((t) => t.seq)).size;
  ctx.print(
    `stored ${r.stored.length} of ${lines} tasks` +
      (r.stored.length === 0
        ? ''
        : ` (lines ${lineList(r.stored.map((t) => t.line))}) in ${messages} message${messages === 1 ? '' : 's'}`),
  );
  for (const t of r.stored) ctx.print(`line ${t.line}: ${t.taskId} (seq ${t.seq})`);
  if (r.refused.length > 0) ctx.warn(`refused ${r.refused.length}:`);
  for (const x of r.refused) ctx.warn(`  line ${x.line}: ${x.message}`);
  if (r.unsent.length > 0) ctx.warn(`not stored ${r.unsent.length}:`);
  for (const x of r.unsent) ctx.warn(`  line ${x.line}: ${x.taskId}: ${x.message}`);
};
