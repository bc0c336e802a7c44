/** A JSON tree, and paths into it: read, set, delete and nest values by path. */

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Paths of every value in a JSON tree, parents before children (the root is `[]`). */
export const pathsOf = (
  v: Json,
  out: (string | number)[][] = [],
  here: (string | number)[] = [],
) => {
  out.push(here);
  if (Array.isArray(v)) v.forEach((x, i) => pathsOf(x, out, [...here, i]));
  else if (typeof v === 'object' && v !== null)
    for (const [k, x] of Object.entries(v)) pathsOf(x, out, [...here, k]);
  return out;
};

export const getAt = (root: Json, path: readonly (string | number)[]): Json | undefined => {
  let v: Json | undefined = root;
  for (const k of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = Array.isArray(v) ? v[k as number] : Object.hasOwn(v, k) ? v[k as string] : undefined;
  }
  return v;
};

/** Sets (or with `undefined`, deletes) the value at `path`; the root is replaced by returning it. */
export const setAt = (
  root: Json,
  path: readonly (string | number)[],
  value: Json | undefined,
): Json => {
  if (path.length === 0) return value ?? null;
  const parent = getAt(root, path.slice(0, -1));
  const last = path[path.length - 1];
  if (typeof parent !== 'object' || parent === null || last === undefined) return root;
  if (Array.isArray(parent)) {
    if (value === undefined) parent.splice(last as number, 1);
    else parent[last as number] = value;
  } else if (value === undefined) delete parent[last as string];
  // defineProperty, so that a key such as `__proto__` becomes an own key as JSON.parse makes it.
  else
    Object.defineProperty(parent, last, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return root;
};

export const nest = (v: Json, depth: number, asObject: boolean): Json => {
  let out = v;
  for (let i = 0; i < depth; i += 1) out = asObject ? { n: out } : [out];
  return out;
};
