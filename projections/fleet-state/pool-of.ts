import { isName } from '../../events/index.ts';

/**
 * The pool a stored subject belongs to, as the pool's dispatcher filter `<root>.*.<pool>.>`
 * sees it (key subjects, `<root>.<project>._keys.<id>`, belong to no pool).
 */
export const poolOf = (subject: string): string | undefined => {
  const t = subject.split('.');
  const pool = t[2];
  return t.length >= 4 && pool !== undefined && isName(pool) ? pool : undefined;
};
