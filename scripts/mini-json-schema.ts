/**
 * A deliberately small JSON Schema (2020-12) checker for the tests: enough of the vocabulary to
 * validate documents against the generated files independently of zod, without a validator
 * dependency. It throws on any keyword it does not know, so it never passes by ignorance.
 */
import { isJsonObject } from './json.ts';
import type { Json, JsonObject } from './json.ts';

/** Keywords that only annotate. */
const ANNOTATIONS = new Set(['$schema', '$id', '$defs', 'title', 'description', 'default']);

const typeOf = (v: Json): string =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : typeof v;

const hasType = (v: Json, type: string): boolean =>
  type === 'integer' ? typeof v === 'number' && Number.isInteger(v) : typeOf(v) === type;

const equal = (a: Json, b: Json): boolean => JSON.stringify(a) === JSON.stringify(b);

const resolve = (root: JsonObject, ref: string): Json => {
  const m = /^#\/\$defs\/(.+)$/.exec(ref);
  const defs = root['$defs'];
  const target = m?.[1] !== undefined && isJsonObject(defs) ? defs[m[1]] : undefined;
  if (target === undefined) throw new Error(`unresolvable $ref ${ref}`);
  return target;
};

const check = (root: JsonObject, schema: Json, v: Json, at: string, out: string[]): void => {
  if (schema === true) return;
  if (schema === false) {
    out.push(`${at}: not allowed`);
    return;
  }
  if (!isJsonObject(schema)) throw new Error(`${at}: schema is not an object`);
  const fail = (why: string) => out.push(`${at || '(root)'}: ${why}`);
  for (const [k, s] of Object.entries(schema)) {
    if (ANNOTATIONS.has(k)) continue;
    switch (k) {
      case '$ref':
        check(root, resolve(root, s as string), v, at, out);
        break;
      case 'type':
        if (!hasType(v, s as string)) fail(`expected ${JSON.stringify(s)}, got ${typeOf(v)}`);
        break;
      case 'const':
        if (!equal(v, s)) fail(`expected ${JSON.stringify(s)}`);
        break;
      case 'enum':
        if (!(s as Json[]).some((e) => equal(e, v))) fail(`not one of ${JSON.stringify(s)}`);
        break;
      case 'pattern':
        if (typeof v === 'string' && !new RegExp(s as string, 'u').test(v))
          fail(`does not match ${JSON.stringify(s)}`);
        break;
      case 'minLength':
      case 'maxLength':
        if (typeof v === 'string') {
          // JSON Schema counts code points, as zod 4 does.
          const n = Array.from(v).length;
          if (k === 'minLength' ? n < (s as number) : n > (s as number))
            fail(`${k} ${JSON.stringify(s)}`);
        }
        break;
      case 'minimum':
      case 'maximum':
      case 'exclusiveMinimum':
      case 'exclusiveMaximum':
        if (typeof v === 'number') {
          const n = s as number;
          const bad = {
            minimum: v < n,
            maximum: v > n,
            exclusiveMinimum: v <= n,
            exclusiveMaximum: v >= n,
          }[k];
          if (bad) fail(`${k} ${String(n)}`);
        }
        break;
      case 'minItems':
      case 'maxItems':
        if (
          Array.isArray(v) &&
          (k === 'minItems' ? v.length < (s as number) : v.length > (s as number))
        )
          fail(`${k} ${JSON.stringify(s)}`);
        break;
      case 'items':
        if (Array.isArray(v))
          v.forEach((item, i) => {
            check(root, s, item, `${at}.${i}`, out);
          });
        break;
      case 'properties':
        if (isJsonObject(v) && isJsonObject(s))
          for (const [p, ps] of Object.entries(s))
            if (Object.hasOwn(v, p)) check(root, ps, v[p] as Json, `${at}.${p}`, out);
        break;
      case 'required':
        if (isJsonObject(v))
          for (const p of s as string[]) if (!Object.hasOwn(v, p)) fail(`missing required "${p}"`);
        break;
      case 'additionalProperties':
        if (isJsonObject(v)) {
          const declared = schema['properties'];
          for (const [p, pv] of Object.entries(v))
            if (!(isJsonObject(declared) && Object.hasOwn(declared, p)))
              check(root, s, pv, `${at}.${p}`, out);
        }
        break;
      case 'propertyNames':
        if (isJsonObject(v)) for (const p of Object.keys(v)) check(root, s, p, `${at}.${p}`, out);
        break;
      case 'anyOf':
      case 'oneOf': {
        const passing = (s as Json[]).filter(
          (b) => checkJsonSchema(root, v, b).length === 0,
        ).length;
        if (k === 'anyOf' ? passing === 0 : passing !== 1)
          fail(`${String(passing)} branches of ${k} match`);
        break;
      }
      case 'allOf':
        for (const b of s as Json[]) check(root, b, v, at, out);
        break;
      default:
        throw new Error(`mini-json-schema does not know the keyword "${k}"`);
    }
  }
};

/**
 * Validates `value` against `schema` (default: the root `root`), whose `$ref`s resolve in
 * `root`'s `$defs`. Returns the problems found, as `path: why`; empty means valid.
 */
export const checkJsonSchema = (root: JsonObject, value: Json, schema: Json = root): string[] => {
  const out: string[] = [];
  check(root, schema, value, '', out);
  return out;
};
