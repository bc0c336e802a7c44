import type { Command } from 'commander';
import type { CliContext } from '../cli-context.ts';

/** `fleet submit` options as given: project and pool may be left out with `--file`. */
export interface SubmitFileOptions {
  project?: string;
  pool?: string;
  file?: string;
  skipInvalid?: boolean;
  json?: boolean;
}

/** Options of one task that a file's lines must carry instead. */
const ONE_TASK_ONLY = [
  'model',
  'label',
  'require',
  'runtime',
  'memory',
  'priority',
  'maxAttempts',
  'timeout',
  'payload',
  'id',
  'wait',
] as const;

/** `--project` and `--pool`, which one task needs: a usage error (exit 2) when missing. */
export const requiredPlace = (
  cmd: Command,
  o: SubmitFileOptions,
): { project: string; pool: string } => {
  if (o.project === undefined)
    cmd.error("error: required option '--project <project>' not specified");
  if (o.pool === undefined) cmd.error("error: required option '--pool <pool>' not specified");
  return { project: o.project, pool: o.pool };
};

/** `fleet submit --file`: the tasks of an NDJSON file or stdin, every line checked first. */
export const submitFromFile = async (
  ctx: CliContext,
  cmd: Command,
  file: string,
  o: SubmitFileOptions,
): Promise<void> => {
  const { InvalidInputError } = await import('../../client/invalid-input-error.ts');
  const { submitFile } = await import('../submit-file.ts');
  const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  const given = cmd.opts<Record<string, unknown>>();
  const extra = ONE_TASK_ONLY.filter((name) => given[name] !== undefined);
  if (extra.length > 0)
    throw new InvalidInputError(
      '--file',
      `--file takes each task's options from its line, not --${extra.map(kebab).join(', --')}`,
    );
  await ctx.withNats(cmd, (nc, g) =>
    submitFile(ctx, nc, g.root, {
      file,
      ...(o.project === undefined ? {} : { project: o.project }),
      ...(o.pool === undefined ? {} : { pool: o.pool }),
      skipInvalid: o.skipInvalid === true,
      json: o.json === true,
    }),
  );
};
