import { InvalidInputError } from '../client/invalid-input-error.ts';
import { Labels } from '../events/index.ts';

/** Parses `k=v` labels (repeatable) into a label record; values stay text. */
export const parseLabels = (values: readonly string[] | undefined, flag = '--label'): Labels => {
  const labels: Record<string, string> = {};
  for (const text of values ?? []) {
    const eq = text.indexOf('=');
    if (eq <= 0) throw new InvalidInputError(flag, `${flag} "${text}": write key=value`);
    labels[text.slice(0, eq).trim()] = text.slice(eq + 1).trim();
  }
  const parsed = Labels.safeParse(labels);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue?.path[0] === undefined ? '' : ` "${String(issue.path[0])}"`;
    throw new InvalidInputError(flag, `${flag}${key}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
};
