import { chmod, writeFile } from 'node:fs/promises';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Command } from 'commander';
import { UnavailableError } from '../../events/errors.ts';
import { InvalidInputError } from '../../client/invalid-input-error.ts';
import type { ServiceRole } from '../../security/index.ts';
import type { CliContext } from '../cli-context.ts';
import { formatTable } from '../format-table.ts';
import { parseDuration } from '../parse-duration.ts';
import { registerCredsProvisioner } from './creds-provisioner.ts';

interface ProducerOptions {
  project: string;
  ttl: string;
  out?: string;
  dataDir: string;
}

const DATA_DIR_HELP = 'where fleet up --secure keeps its auth material';

/** An instant, to the second. */
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** `fleet creds producer|list|revoke`: NATS credentials of a secure deployment. */
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
    .option('--data-dir <dir>', DATA_DIR_HELP, '.fleet')
    .action(async (o: ProducerOptions, cmd: Command) => {
      const { ProjectId } = await import('../../events/index.ts');
      const { issueProducerCreds, openAuthDir, Role } = await import('../../security/index.ts');
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
      const issuedAt = Date.now();
      const user = await issueProducerCreds(auth.material, {
        project: project.data,
        root: g.root,
        ttlMs,
        now: issuedAt,
      });
      const expiresAt = user.expiresAt ?? issuedAt + ttlMs;
      // Recorded before they are handed out, so that whatever was issued can be found and revoked.
      await auth.ledger.record({
        publicKey: user.publicKey,
        role: Role.producer,
        project: project.data,
        root: g.root,
        issuedAt,
        expiresAt,
      });
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
        `producer of ${project.data} (root ${g.root}, user ${user.publicKey}), valid until ` +
          `${new Date(expiresAt).toISOString()}; connect with inboxPrefix "${user.inboxPrefix}": ` +
          `no other reply subject is allowed`,
      );
    });

  registerCredsProvisioner(creds, ctx);

  creds
    .command('list')
    .description(
      'list the credentials issued from the auth folder that have not expired (producers, ' +
        'services): role, project, public key, expiry, revocation; no secret',
    )
    .option('--data-dir <dir>', DATA_DIR_HELP, '.fleet')
    .option('--json', 'print JSON')
    .action(async (o: { dataDir: string; json?: boolean }) => {
      const { openAuthDir } = await import('../../security/index.ts');
      const auth = await openAuthDir(o.dataDir);
      const issued = await auth.ledger.issued();
      const revoked = new Map((await auth.ledger.revocations()).map((r) => [r.publicKey, r]));
      const rows = issued.map((c) => ({
        ...c,
        ...(revoked.has(c.publicKey) ? { revokedAt: revoked.get(c.publicKey)?.revokedAt } : {}),
      }));
      // Revoked by their file, but not issued here (or before issues were recorded).
      for (const r of revoked.values())
        if (!issued.some((c) => c.publicKey === r.publicKey))
          rows.push({
            publicKey: r.publicKey,
            role: r.role ?? '?',
            ...(r.project === undefined ? {} : { project: r.project }),
            issuedAt: 0,
            ...(r.keepUntil === undefined ? {} : { expiresAt: r.keepUntil }),
            revokedAt: r.revokedAt,
          });
      if (o.json === true) {
        ctx.print(JSON.stringify(rows, null, 2));
        return;
      }
      if (rows.length === 0) {
        ctx.print(`no credentials recorded in ${auth.dir}`);
        return;
      }
      const table = rows.map((c) => [
        c.role,
        c.project ?? '-',
        c.publicKey,
        c.issuedAt === 0 ? '?' : iso(c.issuedAt),
        c.expiresAt === undefined ? 'never' : iso(c.expiresAt),
        c.revokedAt === undefined ? 'valid' : `revoked ${iso(c.revokedAt)}`,
      ]);
      for (const line of formatTable(
        ['ROLE', 'PROJECT', 'PUBLIC KEY', 'ISSUED', 'EXPIRES', 'STATUS'],
        table,
      ))
        ctx.print(line);
    });

  creds
    .command('revoke')
    .description(
      "revoke one user's credentials (a producer's, a service's) before they expire: the " +
        'server cuts its connections at once and refuses it from then on, restarts included',
    )
    .argument(
      '<creds-file|public-key>',
      'its .creds file, or its user public key (fleet creds list)',
    )
    .option('--data-dir <dir>', DATA_DIR_HELP, '.fleet')
    .action(async (target: string, o: { dataDir: string }, cmd: Command) => {
      const { openAuthDir, pushAccountJwt, revocationTarget, revokeUser, ServiceRole } =
        await import('../../security/index.ts');
      const isServiceRole = (role: string | undefined): role is ServiceRole =>
        (Object.values(ServiceRole) as string[]).includes(role ?? '');
      const g = ctx.globals(cmd);
      const auth = await openAuthDir(o.dataDir);
      const user = await revocationTarget(auth, target);
      if (user.expiresAt !== undefined && user.expiresAt <= Date.now()) {
        ctx.print(
          `the credentials of ${user.publicKey} expired at ${iso(user.expiresAt)}: the server ` +
            `refuses them already; nothing to revoke`,
        );
        return;
      }
      // Pushed as the registrar does: through a user of the system account.
      let system: NatsConnection | undefined;
      let problem: unknown;
      try {
        system = await ctx.connect(g.nats, {
          creds: await auth.serviceCreds(ServiceRole.system),
          name: 'fleet-creds-revoke',
        });
      } catch (error) {
        problem = error;
      }
      let result;
      try {
        result = await revokeUser(auth, user, {
          push: async (jwt) => {
            if (system === undefined) return;
            try {
              await pushAccountJwt(system, auth.material.account.getPublicKey(), jwt);
            } catch (error) {
              problem = error;
            }
          },
        });
      } finally {
        await system?.close();
      }
      const who =
        user.publicKey +
        (user.role === undefined
          ? ''
          : ` (${user.role}${user.project === undefined ? '' : ` of ${user.project}`})`);
      const keep =
        result.revocation.keepUntil === undefined
          ? 'for good (the credentials never expire)'
          : `until ${iso(result.revocation.keepUntil)} (past their expiry)`;
      if (problem !== undefined)
        throw new UnavailableError(
          `${who} is revoked in ${auth.dir} (a server started with its server.conf refuses it), ` +
            `but the NATS server at ${g.nats} was not told: ` +
            `${problem instanceof Error ? problem.message : 'it did not answer'}; ` +
            `run the command again once it is reachable`,
          { cause: problem },
        );
      ctx.print(
        `${result.already ? 'revoked again' : 'revoked'} ${who}: the NATS server at ${g.nats} ` +
          `cut its connections and refuses it from now on`,
      );
      ctx.print(`kept in ${auth.dir} (revocations.json, account.jwt, server.conf) ${keep}`);
      if (isServiceRole(user.role))
        ctx.warn(
          `a ${user.role} service running on them is cut off: restart it (fleet up --secure ` +
            `issues new ${user.role} credentials in ${auth.credsPath(user.role)})`,
        );
    });
};
