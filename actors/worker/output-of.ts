import type { JsonValue } from './task-context.ts';

/**
 * The output of a command's stdout, as `fleet worker` reports it: the JSON value when the text
 * parses, else the text (one trailing newline dropped); nothing when it is blank.
 */
export const outputOf = (stdout: string): JsonValue | undefined => {
  if (stdout.trim() === '') return undefined;
  try {
    return JSON.parse(stdout) as JsonValue;
  } catch {
    return stdout.endsWith('\n') ? stdout.slice(0, -1) : stdout;
  }
};
