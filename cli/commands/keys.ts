import type { Command } from 'commander';
import type { CliContext } from '../cli-context.ts';
import { formatLabels, formatList, formatTable } from '../format-table.ts';
import { parseDuration } from '../parse-duration.ts';
import { collect, parseInteger, parseList } from '../parse-options.ts';

interface CreateOptions {
  project: string;
  pool: string;
  models?: string[];
  label?: string[];
  exclusive?: string[];
  maxUses: string;
  ttl: string;
  name?: string;
  json?: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** `fleet keys create|list|revoke`: enrollment keys. */
export const registerKeys = (program: Command, ctx: CliContext): void => {
  const keys = program.command('keys').description('enrollment keys: create, list, revoke');

  keys
    .command('create')
    .description('issue an enrollment key; its token is printed once and never stored')
    .requiredOption('--project <project>', 'project (tenant) of the workers it enrolls')
    .requiredOption('--pool <pool>', 'pool of the workers it enrolls')
    .option(
      '--models <a,b>',
      'models enrolled workers may serve (repeatable; default any)',
      collect,
    )
    .option('--label <k=v>', 'label fixed on every enrolled worker (repeatable)', collect)
    .option(
      '--exclusive <key>',
      'label key reserved for tasks that ask for it (repeatable)',
      collect,
    )
    .option('--max-uses <n>', 'how many workers may enroll with it', '1')
    .option('--ttl <duration>', 'lifetime, e.g. 1h, 24h, 7d', '24h')
    .option('--name <text>', 'a note for operators')
    .option('--json', 'print the token and summary as JSON')
    .action(async (o: CreateOptions, cmd: Command) => {
      const { issueKey } = await import('../../actors/registrar/index.ts');
      const { parseLabels } = await import('../parse-labels.ts');
      const options = {
        project: o.project,
        pool: o.pool,
        models: parseList(o.models),
        labels: parseLabels(o.label),
        exclusive: parseList(o.exclusive),
        maxUses: parseInteger(o.maxUses, '--max-uses', { min: 1 }),
        ttlMs: parseDuration(o.ttl, '--ttl'),
        ...(o.name === undefined ? {} : { name: o.name }),
      };
      const key = await ctx.withLog(cmd, (log) => issueKey(log, options), { write: true });
      if (o.json === true) {
        const { secret: _secret, ...rest } = key;
        ctx.print(JSON.stringify({ ...rest, project: o.project, pool: o.pool }));
        return;
      }
      ctx.print(key.token);
      ctx.print(`key ${key.keyId} for project ${options.project}, pool ${options.pool}`);
      ctx.print(`  models:    ${formatList(options.models, 'any')}`);
      ctx.print(`  labels:    ${formatLabels(options.labels)}`);
      ctx.print(`  exclusive: ${formatList(options.exclusive)}`);
      ctx.print(`  max uses:  ${options.maxUses}`);
      ctx.print(`  expires:   ${iso(key.expiresAt)}`);
      ctx.print('The token above is shown only this once: give it to the worker now');
      ctx.print('(fleet worker --key <token>, or FLEET_KEY=<token>).');
    });

  keys
    .command('list')
    .description('list enrollment keys (never their secrets)')
    .option('--project <project>', 'only this project’s keys')
    .option('--json', 'print JSON')
    .action(async (o: { project?: string; json?: boolean }, cmd: Command) => {
      const { listKeys } = await import('../../actors/registrar/index.ts');
      const list = await ctx.withLog(cmd, (log) =>
        listKeys(log, o.project === undefined ? {} : { project: o.project }),
      );
      if (o.json === true) {
        ctx.print(JSON.stringify(list, null, 2));
        return;
      }
      if (list.length === 0) {
        ctx.print('no keys');
        return;
      }
      const rows = list.map((k) => [
        k.keyId,
        k.project,
        k.pool,
        k.status,
        `${k.uses}/${k.maxUses}`,
        iso(k.expiresAt),
        formatList(k.models, 'any'),
        formatLabels(k.labels),
        k.name ?? '',
      ]);
      const header = ['KEY', 'PROJECT', 'POOL', 'STATUS', 'USES', 'EXPIRES', 'MODELS', 'LABELS'];
      for (const line of formatTable([...header, 'NAME'], rows)) ctx.print(line);
    });

  keys
    .command('revoke')
    .description('revoke a key: no enrollment with it from now on (enrolled workers stay)')
    .argument('<keyId>', 'the key to revoke')
    .requiredOption('--project <project>', 'the key’s project')
    .option('--reason <text>', 'why, for the record')
    .action(async (keyId: string, o: { project: string; reason?: string }, cmd: Command) => {
      const { revokeKey } = await import('../../actors/registrar/index.ts');
      const { seq } = await ctx.withLog(cmd, (log) => revokeKey(log, o.project, keyId, o.reason));
      ctx.print(`key ${keyId} revoked (seq ${seq}); workers it enrolled stay until revoked`);
    });
};
