import { chmod, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { ProjectId } from '../../events/index.ts';
import { InvalidInputError } from '../../client/index.ts';
import { issueProducerCreds, openAuthDir } from '../../security/index.ts';
import type { CliContext } from '../cli-context.ts';
import { parseDuration } from '../parse-duration.ts';

interface ProducerOptions {
  project: string;
  ttl: string;
  out?: string;
  dataDir: string;
}

/** `fleet creds producer`: NATS credentials of a secure deployment (`fleet up --secure`). */
export const registerCreds = (program: Command, ctx: CliContext): void => {
  const creds = program
    .command('creds')
    .description('NATS credentials of a secure deployment (made by fleet up --secure)');

  creds
    .command('producer')
    .description(
      'issue credentials for a producer of one project: submit, cancel and ask task status in ' +
        'its pools, nothing else (a secret: printed on stdout, or written with --out)',
    )
    .requiredOption('--project <project>', 'the tenant')
    .option('--ttl <duration>', 'how long they are valid', '24h')
    .option('--out <file>', 'write the .creds file here (mode 0600; never overwrites)')
    .option('--data-dir <dir>', 'where fleet up --secure keeps its auth material', '.fleet')
    .action(async (o: ProducerOptions, cmd: Command) => {
      const project = ProjectId.safeParse(o.project);
      if (!project.success)
        throw new InvalidInputError(
          '--project',
          `--project "${o.project}": ${project.error.issues[0]?.message ?? 'invalid'}`,
        );
      const ttlMs = parseDuration(o.ttl, '--ttl');
      if (ttlMs <= 0) throw new InvalidInputError('--ttl', '--ttl must be longer than 0');
      const g = ctx.globals(cmd);
      const auth = await openAuthDir(o.dataDir);
      const user = await issueProducerCreds(auth.material, {
        project: project.data,
        root: g.root,
        ttlMs,
      });
      const until = new Date(user.expiresAt ?? 0).toISOString();
      if (o.out === undefined) {
        ctx.warn('the credentials below are a SECRET: store them like a password, never log them');
        ctx.io.stdout(user.creds());
      } else {
        try {
          await writeFile(o.out, user.creds(), { mode: 0o600, flag: 'wx' });
        } catch (cause) {
          throw new InvalidInputError('--out', `--out: cannot create ${o.out} (does it exist?)`, {
            cause,
          });
        }
        await chmod(o.out, 0o600);
        ctx.print(`wrote ${o.out} (mode 0600; a secret: never commit or share it)`);
      }
      ctx.warn(
        `producer of ${project.data} (root ${g.root}), valid until ${until}; ` +
          `connect with inboxPrefix "${user.inboxPrefix}": no other reply subject is allowed`,
      );
    });
};
