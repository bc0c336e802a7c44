import { Option } from 'commander';
import type { Command } from 'commander';
import { InvalidInputError } from '../../client/invalid-input-error.ts';
import type { FleetEvent, ProjectId } from '../../events/index.ts';
import { isId, isName } from '../../events/names.ts';
import type { AuditItem, EntityFilter, Violation } from '../../projections/audit/index.ts';
import type { CliContext } from '../cli-context.ts';
import { stopSignals } from '../stop-signals.ts';

interface EventsCliOptions {
  project?: string;
  task?: string;
  worker?: string;
  follow?: boolean;
  json?: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * One event on one line: sequence, server time, type, salient fields (`described`), and what
 * it did.
 */
const eventLine = (
  item: AuditItem,
  e: FleetEvent,
  described: string,
  noEffect: string | undefined,
  violations: readonly Violation[],
): string => {
  const marks = [
    ...(noEffect === undefined || noEffect === 'violation' ? [] : [`no effect: ${noEffect}`]),
    ...violations.map((v) => `VIOLATION ${v.kind}`),
  ];
  return (
    `${String(item.seq).padStart(7)}  ${iso(item.at)}  ${e.type.padEnd(18)}  ${described}` +
    (marks.length === 0 ? '' : `  [${marks.join('; ')}]`)
  );
};

const eventJson = (
  item: AuditItem,
  e: FleetEvent,
  noEffect: string | undefined,
  violations: readonly Violation[],
) => ({
  seq: item.seq,
  at: iso(item.at),
  subject: item.subject,
  type: e.type,
  data: e.data,
  meta: e.meta,
  effect: noEffect === undefined ? 'applied' : 'none',
  ...(noEffect === undefined || noEffect === 'violation' ? {} : { reason: noEffect }),
  ...(violations.length === 0
    ? {}
    : { violations: violations.map((v) => ({ kind: v.kind, detail: v.detail })) }),
});

/** `fleet events`: an entity's history, one line per event, optionally followed live. */
export const registerEvents = (program: Command, ctx: CliContext): void => {
  program
    .command('events')
    .description(
      'print the history of the log, or of one task or worker: one line per event with its ' +
        'sequence, time, type, salient fields and what it did',
    )
    .option('--project <project>', 'only this project’s events')
    .addOption(new Option('--task <id>', 'only events about this task').conflicts('worker'))
    .addOption(new Option('--worker <id>', 'only events about this worker').conflicts('task'))
    .option('--follow', 'keep printing new events until interrupted (Ctrl-C)')
    .option('--json', 'print one JSON object per line')
    .action(async (o: EventsCliOptions, cmd: Command) => {
      const { isReadable } = await import('../../events/index.ts');
      const { Auditor, describeEvent, mentions, readLog } =
        await import('../../projections/audit/index.ts');
      if (o.project !== undefined && !isName(o.project))
        throw new InvalidInputError('--project', `--project "${o.project}" is not a project name`);
      for (const [flag, id] of [
        ['--task', o.task],
        ['--worker', o.worker],
      ] as const)
        if (id !== undefined && !isId(id))
          throw new InvalidInputError(flag, `${flag} "${id}" is not a valid id`);
      const project = o.project as ProjectId | undefined;
      const entity: EntityFilter = {
        ...(o.task === undefined ? {} : { taskId: o.task }),
        ...(o.worker === undefined ? {} : { workerId: o.worker }),
      };
      const json = o.json === true;
      let printed = 0;
      // The audit's fold runs alongside, to say what each event did.
      const auditor = new Auditor({
        ...(project === undefined ? {} : { project }),
        observe: (item, e, noEffect, violations) => {
          if (!mentions(e, entity)) return;
          printed += 1;
          ctx.print(
            json
              ? JSON.stringify(eventJson(item, e, noEffect, violations))
              : eventLine(item, e, describeEvent(e), noEffect, violations),
          );
        },
      });
      const onItem = (item: AuditItem) => {
        const entry = item.entry;
        // An unreadable message is part of a task's history when it was about that task.
        if (
          !isReadable(entry) &&
          entity.workerId === undefined &&
          (entity.taskId === undefined || entry.about?.taskId === entity.taskId)
        ) {
          printed += 1;
          ctx.print(
            json
              ? JSON.stringify({
                  seq: item.seq,
                  at: iso(item.at),
                  subject: item.subject,
                  unreadable: entry.refused,
                })
              : `${String(item.seq).padStart(7)}  ${iso(item.at)}  ${'(unreadable)'.padEnd(18)}  ` +
                  `${item.subject}: ${entry.refused.code}: ${entry.refused.message}`,
          );
        }
        auditor.add(item);
        return undefined;
      };
      const signals = o.follow === true ? stopSignals(ctx.io) : undefined;
      try {
        const g = ctx.globals(cmd);
        // A followed read outlives a server restart; a one-shot read fails at once.
        const nc = await ctx.connect(g.nats, { longLived: signals !== undefined });
        try {
          const log = await ctx.openLog(nc, g);
          await readLog(log, onItem, {
            filter: project === undefined ? log.subjects.all() : log.subjects.project(project),
            ...(signals === undefined
              ? {}
              : {
                  follow: true,
                  stop: signals.first,
                  onStart: () => {
                    ctx.warn('following the log; Ctrl-C to stop');
                  },
                }),
          });
        } finally {
          await nc.close();
        }
      } finally {
        signals?.dispose();
      }
      if (printed === 0 && !json && o.follow !== true) ctx.print('no events');
    });
};
