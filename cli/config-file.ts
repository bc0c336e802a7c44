import { readFile } from 'node:fs/promises';
import type { Command, Option } from 'commander';
import { InvalidInputError } from '../client/invalid-input-error.ts';
import { collect } from './parse-options.ts';

// `--config <file>`: a command's options from a section of a JSON file, named after the command
// (`{"dispatcher": {...}, "worker": {...}}`). The keys are the command's own options in camel
// case, read from its declaration, so a new option is a new key with nothing to keep in step.
// Values go through the command's own checks, exactly as if given as flags; flags win.

/** Options a config file may not set: where the config is, and secrets. */
const NOT_IN_FILE = new Set(['config', 'key']);

/** What `key` of `section` may hold, and the value a flag of that option would have. */
const valueOf = (o: Option, value: unknown, where: string): string | string[] | boolean => {
  const text = (v: unknown): string => {
    if (typeof v === 'string') return v;
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    throw new InvalidInputError('--config', `${where}: expected a string or a number`);
  };
  if (!(o.required || o.optional)) {
    if (typeof value !== 'boolean')
      throw new InvalidInputError('--config', `${where}: expected true or false`);
    return value;
  }
  // A repeatable option: a list, or one value; an object of k: v for `k=v` options.
  if (o.parseArg === collect) {
    if (Array.isArray(value)) return value.map(text);
    if (typeof value === 'object' && value !== null)
      return Object.entries(value).map(([k, v]) => `${k}=${text(v)}`);
    return [text(value)];
  }
  return text(value);
};

/** Reads the section of `cmd` in `file` and sets each option the command line left unset. */
const applyConfig = async (
  cmd: Command,
  file: string,
  sections: readonly string[],
): Promise<void> => {
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(file, 'utf8'));
  } catch (cause) {
    throw new InvalidInputError('--config', `--config: ${file} is not a readable JSON file`, {
      cause,
    });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new InvalidInputError('--config', `${file}: expected a JSON object of sections`);
  for (const name of Object.keys(doc))
    if (!sections.includes(name))
      throw new InvalidInputError(
        '--config',
        `${file}: unknown section "${name}" (known: ${sections.join(', ')})`,
      );
  const section = (doc as Record<string, unknown>)[cmd.name()];
  if (section === undefined) return;
  if (typeof section !== 'object' || section === null || Array.isArray(section))
    throw new InvalidInputError('--config', `${file}: ${cmd.name()}: expected an object`);
  const options = new Map(
    cmd.options
      .filter((o) => !NOT_IN_FILE.has(o.attributeName()))
      .map((o) => [o.attributeName(), o]),
  );
  for (const [key, value] of Object.entries(section)) {
    const where = `${file}: ${cmd.name()}.${key}`;
    const o = options.get(key);
    if (o === undefined)
      throw new InvalidInputError(
        '--config',
        `${where}: unknown option (known: ${[...options.keys()].join(', ')})`,
      );
    const source = cmd.getOptionValueSource(key);
    if (source === undefined || source === 'default')
      cmd.setOptionValueWithSource(key, valueOf(o, value, where), 'config');
  }
};

/**
 * Gives each command named in `commands` a `--config <file>` option, read before its action; the
 * options listed for it (attribute names; a list means any one of them) must then come from the
 * command line or the file.
 */
export const withConfigFiles = (
  program: Command,
  commands: Readonly<Record<string, readonly (string | readonly string[])[]>>,
): void => {
  const sections = Object.keys(commands);
  for (const [name, required] of Object.entries(commands)) {
    const cmd = program.commands.find((c) => c.name() === name);
    if (cmd === undefined) throw new Error(`register the ${name} command first`);
    cmd
      .option(
        '--config <file>',
        `read options from the "${name}" object of a JSON file (keys: the options in camel ` +
          'case); flags override it',
      )
      .hook('preAction', async () => {
        const file = cmd.getOptionValue('config') as string | undefined;
        if (file !== undefined) await applyConfig(cmd, file, sections);
        for (const need of required) {
          const keys = typeof need === 'string' ? [need] : need;
          if (keys.some((key) => cmd.getOptionValue(key) !== undefined)) continue;
          const flags = keys
            .map((key) => `'${cmd.options.find((o) => o.attributeName() === key)?.flags ?? key}'`)
            .join(' or ');
          cmd.error(
            `error: required option ${flags} not specified (on the command line or in --config)`,
          );
        }
      });
  }
};
