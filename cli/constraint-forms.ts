/**
 * The forms `parseConstraint` accepts, for error messages and help. A file of its own so that
 * the help of `fleet submit` does not load the schemas `parseConstraint` checks with.
 */
export const CONSTRAINT_FORMS =
  'k=v, k!=v, k>=n, k>n, k<=n, k<n (n a number), "k in a|b", "k not in a|b", "k exists" ' +
  'or "!k" (a value without spaces, commas or |)';
