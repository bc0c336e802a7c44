import type { Command } from 'commander';
import { InvalidInputError } from '../../client/invalid-input-error.ts';
import type { ProjectId } from '../../events/index.ts';
import { isName } from '../../events/names.ts';
import type { AuditReport, LogPoint, ProgressBar } from '../../projections/audit/index.ts';
import type { CliContext } from '../cli-context.ts';
import { parseDuration } from '../parse-duration.ts';

/** Streams longer than this get a progress bar on standard error. */
const PROGRESS_FROM = 10_000;

interface AuditCliOptions {
  project?: string;
  from?: string;
  to?: string;
  json?: boolean;
  clockSkew: string;
  forgetEndedAfter: string;
  forgetDeadLettersAfter: string;
  operatorKey?: string;
  dataDir?: string;
}

/** Where `fleet up --secure` keeps its auth material unless told otherwise. */
const DEFAULT_DATA_DIR = '.fleet';

/**
 * The operator key retention points are checked against: `--operator-key`, else the one of
 * `--data-dir`, else the default data dir's when there is one (none is no error: a stream that
 * starts at 1 needs no key).
 */
const operatorKeyOption = async (o: AuditCliOptions): Promise<string | undefined> => {
  const { operatorKeyOf, parseOperatorKey } = await import('../operator-key.ts');
  if (o.operatorKey !== undefined) return parseOperatorKey(o.operatorKey, '--operator-key');
  if (o.dataDir !== undefined) return operatorKeyOf(o.dataDir);
  return operatorKeyOf(DEFAULT_DATA_DIR).catch(() => undefined);
};

const tally = (counts: Readonly<Record<string, number>>, skip: readonly string[] = []): string =>
  Object.entries(counts)
    .filter(([k, n]) => n > 0 && !skip.includes(k))
    .map(([k, n]) => `${k} ${n.toLocaleString('en-US')}`)
    .join(', ') || 'none';

/** A stream's limits in words: `max age 30d, max bytes 10,000,000`. */
const limitsText = (l: { maxAgeMs?: number; maxBytes?: number }): string =>
  [
    ...(l.maxAgeMs === undefined ? [] : [`max age ${l.maxAgeMs / 1000} s`]),
    ...(l.maxBytes === undefined ? [] : [`max bytes ${l.maxBytes.toLocaleString('en-US')}`]),
  ].join(', ');

/** The report for a terminal: counts, then every violation with its sequences. */
const formatReport = (r: AuditReport, where: string): string[] => {
  const c = r.counts;
  const w = r.window;
  const range =
    w.firstSeq === undefined
      ? 'no messages'
      : `seq ${w.firstSeq}–${w.lastSeq ?? w.firstSeq}` +
        (w.firstAt === undefined ? '' : ` (stored ${w.firstAt} to ${w.lastAt ?? w.firstAt})`);
  const lines = [
    `audit of ${where}: ${range}${w.from === undefined ? '' : `, from ${String(w.from)}`}${w.to === undefined ? '' : `, to ${String(w.to)}`}`,
  ];
  if (r.scope.note !== undefined)
    lines.push(`scope: project ${r.scope.project ?? ''} — ${r.scope.note}`);
  lines.push(
    `messages     ${c.messages.toLocaleString('en-US')} (${c.events.toLocaleString('en-US')} events, ` +
      `${c.unreadable} unreadable${c.unreadable === 0 ? '' : `: ${tally(c.unreadableByCode)}`})`,
    `tasks        ${c.tasks.total.toLocaleString('en-US')}: ${tally(c.tasks, ['total'])}` +
      (c.strandedAttempts === 0
        ? ''
        : ` (${c.strandedAttempts} held by a worker no longer active)`),
    `workers      ${c.workers.total.toLocaleString('en-US')}: ${tally(c.workers, ['total'])}`,
    `assignments  ${c.assignments.toLocaleString('en-US')} (${c.effectiveAssignments.toLocaleString('en-US')} took effect)`,
    `no effect    ${tally(c.noEffect)}`,
    `launches     ${tally(c.launches)}`,
    `violations   ${c.violations}${c.violations === 0 ? '' : `: ${tally(c.violationsByKind)}`}`,
  );
  if (r.retention !== undefined)
    lines.push(
      `retention    kept from seq ${r.retention.firstSeq} (operator's point at seq ` +
        `${r.retention.seq}: ${r.retention.reason})`,
    );
  const byLimits = r.retainedByLimits;
  if (byLimits !== undefined)
    lines.push(
      `retention    kept from seq ${byLimits.firstSeq}: seq 1–${byLimits.firstSeq - 1} removed by ` +
        `the stream's limits (${limitsText(byLimits)}${
          byLimits.recordSeq === undefined
            ? ', from its configuration: no record of them read'
            : `, recorded at seq ${byLimits.recordSeq}${byLimits.signedBy === undefined ? '' : `, signed by ${byLimits.signedBy}`}`
        }), not tampering: purge and delete are refused`,
    );
  for (const v of r.violations) {
    const at =
      v.seqs.length > 0 || v.missing === undefined
        ? `seq ${v.seqs.join(', ')}`
        : `seq ${v.missing.from}–${v.missing.to} missing`;
    lines.push(`  ${v.kind}  ${at}  ${v.detail}`);
  }
  lines.push(
    r.ok
      ? `OK: ${r.scope.project === undefined ? 'the log is whole and ' : ''}every decision was ` +
          'legitimate given the events before it'
      : `FAIL: ${c.violations} violation${c.violations === 1 ? '' : 's'}`,
  );
  return lines;
};

const projectOption = (project: string | undefined): ProjectId | undefined => {
  if (project === undefined) return undefined;
  if (!isName(project))
    throw new InvalidInputError('--project', `--project "${project}" is not a project name`);
  return project as ProjectId;
};

/**
 * `fleet audit`: replays the log, checks that it is whole and every decision legitimate. Exit
 * 0 when so, 1 on any violation, 2 on bad input or an unreachable server (as every command).
 */
export const registerAudit = (program: Command, ctx: CliContext): void => {
  program
    .command('audit')
    .description(
      'replay the log and check that it is whole (no message missing or invalid) and that every ' +
        'decision was legitimate given the events before it (exit 0 clean, 1 on any violation, ' +
        '2 on bad input or an unreachable server)',
    )
    .option('--project <project>', 'only this project’s events (a tenant’s view)')
    .option('--from <seq|time>', 'report from this stream sequence or ISO time on')
    .option('--to <seq|time>', 'stop after this stream sequence or ISO time')
    .option('--json', 'print the report as JSON')
    .option(
      '--clock-skew <duration>',
      'clock skew the dispatchers tolerate when judging lease expiry',
      '1s',
    )
    .option(
      '--forget-ended-after <duration>',
      'after how long the dispatchers forget an ended task (their --forget-ended-after)',
      '1h',
    )
    .option(
      '--forget-dead-letters-after <duration>',
      'after how long the dispatchers forget a dead letter (their --forget-dead-letters-after)',
      '7d',
    )
    .option(
      '--operator-key <key>',
      'operator public key (O…) that signs retention points (default: from --data-dir)',
    )
    .option(
      '--data-dir <dir>',
      `data dir of fleet up --secure, to read the operator key from (default: ${DEFAULT_DATA_DIR}, if any)`,
    )
    .action(async (o: AuditCliOptions, cmd: Command) => {
      const { Auditor, parseLogPoint, progressBar, readLog } =
        await import('../../projections/audit/index.ts');
      const project = projectOption(o.project);
      const clockSkewMs = parseDuration(o.clockSkew, '--clock-skew');
      const forgetEndedAfterMs = parseDuration(o.forgetEndedAfter, '--forget-ended-after');
      const forgetDeadLettersAfterMs = parseDuration(
        o.forgetDeadLettersAfter,
        '--forget-dead-letters-after',
      );
      const from: LogPoint | undefined =
        o.from === undefined ? undefined : parseLogPoint(o.from, '--from');
      const to: LogPoint | undefined = o.to === undefined ? undefined : parseLogPoint(o.to, '--to');
      const operatorKey = await operatorKeyOption(o);
      const { report, where } = await ctx.withNats(cmd, async (nc, g) => {
        const log = await ctx.openLog(nc, g);
        const filter = project === undefined ? log.subjects.all() : log.subjects.project(project);
        const auditor = new Auditor({
          clockSkewMs,
          forgetEndedAfterMs,
          forgetDeadLettersAfterMs,
          stream: log.stream,
          ...(operatorKey === undefined ? {} : { operatorKey }),
          ...(project === undefined ? {} : { project }),
          ...(from === undefined ? {} : { from }),
          ...(to === undefined ? {} : { to }),
        });
        let bar: ProgressBar | undefined;
        try {
          await readLog(
            log,
            (item) => {
              bar?.update(item.seq);
              return auditor.add(item);
            },
            {
              filter,
              onStart: (extent) => {
                auditor.start(extent);
                if (extent.messages > PROGRESS_FROM)
                  bar = progressBar(ctx.io.stderr, {
                    firstSeq: extent.firstSeq,
                    lastSeq: extent.lastSeq,
                    label: 'audit',
                  });
              },
            },
          );
        } finally {
          bar?.done();
        }
        return { report: auditor.report(), where: `stream ${log.stream} (${filter})` };
      });
      if (o.json === true) ctx.print(JSON.stringify(report, null, 2));
      else for (const line of formatReport(report, where)) ctx.print(line);
      if (!report.ok) ctx.exitCode = 1;
    });
};
