import type { Command } from 'commander';
import { InvalidInputError } from '../../client/invalid-input-error.ts';
import type { FleetEventInput } from '../../events/index.ts';
import type { CliContext } from '../cli-context.ts';

interface MarkOptions {
  firstSeq: string;
  reason: string;
  dataDir: string;
}

const firstSeqOption = (text: string): number => {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < 2)
    throw new InvalidInputError(
      '--first-seq',
      `--first-seq "${text}" must be a sequence of 2 or more`,
    );
  return n;
};

/**
 * `fleet retention mark`: the operator records, signed with the operator key of the auth
 * folder, that the stream's messages before `--first-seq` are removed on purpose, so that
 * `fleet audit` does not report the missing head as a truncated log. It removes nothing: the
 * stream refuses purge and delete (deny_purge, deny_delete), so the head goes only through the
 * limits the operator sets on the stream (max_msgs, max_age, max_bytes). Marking first, then
 * setting the limit, means the log never lacks its explanation.
 */
export const registerRetention = (program: Command, ctx: CliContext): void => {
  program
    .command('retention')
    .description('the operator’s record of messages removed from the log on purpose')
    .command('mark')
    .description(
      'append a retention point signed with the operator key: messages before --first-seq are ' +
        'removed on purpose, by the stream’s limits (fleet audit then accepts a stream ' +
        'starting there)',
    )
    .requiredOption('--first-seq <seq>', 'the first stream sequence kept')
    .requiredOption('--reason <text>', 'why the messages were removed')
    .option('--data-dir <dir>', 'where fleet up --secure keeps its auth material', '.fleet')
    .action(async (o: MarkOptions, cmd: Command) => {
      const { signRetention } = await import('../../projections/audit/index.ts');
      const { openAuthDir } = await import('../../security/index.ts');
      const firstSeq = firstSeqOption(o.firstSeq);
      if (o.reason.trim() === '' || o.reason.length > 512)
        throw new InvalidInputError('--reason', '--reason must be 1 to 512 characters');
      const { operator } = (await openAuthDir(o.dataDir)).material;
      await ctx.withLog(cmd, async (log, g) => {
        const { state } = await log.jsm.streams.info(log.stream);
        // The point lands after the stream's last message: a limit keeping from --first-seq
        // keeps the point too.
        if (firstSeq > state.last_seq + 1)
          throw new InvalidInputError(
            '--first-seq',
            `--first-seq ${firstSeq} is past the stream's next sequence (${state.last_seq + 1})`,
          );
        const fields = { stream: log.stream, firstSeq, reason: o.reason, at: Date.now() };
        const signature = signRetention((d) => operator.sign(d), g.root, fields);
        const point: FleetEventInput = {
          type: 'retention.point',
          data: { ...fields, operator: operator.getPublicKey(), signature },
          meta: { at: fields.at },
        };
        const { seq } = await log.append(log.subjects.retention(), point);
        ctx.print(
          `retention point at seq ${seq}: stream ${log.stream} kept from seq ${firstSeq}, ` +
            `signed by ${operator.getPublicKey()}`,
        );
      });
    });
};
