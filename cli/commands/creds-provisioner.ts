import { chmod, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { InvalidInputError } from '../../client/invalid-input-error.ts';
import type { CliContext } from '../cli-context.ts';
import { parseDuration } from '../parse-duration.ts';

interface Options {
  pool: string;
  project: string[];
  allProjects?: boolean;
  ttl?: string;
  out: string;
  dataDir: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/**
 * `fleet creds provisioner`: credentials for the provisioner of one pool, scoped to launch
 * events and single-use keys of the projects named, reading the stream; nothing else.
 */
export const registerCredsProvisioner = (creds: Command, ctx: CliContext): void => {
  creds
    .command('provisioner')
    .description(
      'issue credentials for the provisioner of one pool: launch events and single-use ' +
        'enrollment keys of the projects named (--project, repeatable, or --all-projects), ' +
        'reading the stream; nothing else (a secret, written to --out)',
    )
    .requiredOption('--pool <pool>', 'the pool it provisions')
    .option('--project <project>', 'a project it may launch workers for (repeatable)', collect, [])
    .option('--all-projects', 'every project of the pool')
    .option('--ttl <duration>', 'how long they are valid (default: until revoked)')
    .requiredOption('--out <file>', 'write the .creds file here (mode 0600; never overwrites)')
    .option('--data-dir <dir>', 'where fleet up --secure keeps its auth material', '.fleet')
    .action(async (o: Options, cmd: Command) => {
      const { PoolId, ProjectId } = await import('../../events/index.ts');
      const { openAuthDir, Role } = await import('../../security/index.ts');
      const { issueProvisionerCreds } = await import('../../security/issue-provisioner-creds.ts');
      const pool = PoolId.safeParse(o.pool);
      if (!pool.success)
        throw new InvalidInputError('--pool', `--pool "${o.pool}": not a pool name`);
      if ((o.project.length === 0) === (o.allProjects !== true))
        throw new InvalidInputError('--project', 'give --project (repeatable) or --all-projects');
      for (const p of o.project)
        if (!ProjectId.safeParse(p).success)
          throw new InvalidInputError('--project', `--project "${p}": not a project name`);
      const ttlMs = o.ttl === undefined ? undefined : parseDuration(o.ttl, '--ttl');
      if (ttlMs !== undefined && ttlMs <= 0)
        throw new InvalidInputError('--ttl', '--ttl must be longer than 0');
      const g = ctx.globals(cmd);
      const auth = await openAuthDir(o.dataDir);
      const issuedAt = Date.now();
      const projects = o.allProjects === true ? 'all' : o.project;
      const user = await issueProvisionerCreds(auth.material, {
        pool: pool.data,
        projects,
        root: g.root,
        stream: g.stream,
        ...(ttlMs === undefined ? {} : { expiresAt: issuedAt + ttlMs }),
      });
      // Recorded before they are handed out, so that whatever was issued can be found and revoked.
      await auth.ledger.record({
        publicKey: user.publicKey,
        role: Role.provisioner,
        project: projects === 'all' ? '*' : projects.join(','),
        root: g.root,
        issuedAt,
        ...(user.expiresAt === undefined ? {} : { expiresAt: user.expiresAt }),
      });
      try {
        await writeFile(o.out, user.creds(), { mode: 0o600, flag: 'wx' });
      } catch (cause) {
        throw new InvalidInputError('--out', `--out: cannot create ${o.out} (does it exist?)`, {
          cause,
        });
      }
      await chmod(o.out, 0o600);
      ctx.print(
        `wrote ${o.out} (mode 0600; a secret): provisioner of pool ${pool.data} for ` +
          `${projects === 'all' ? 'every project' : projects.join(', ')} (user ${user.publicKey})`,
      );
    });
};
