import { isJsonObject } from './json.ts';
import type { Json, JsonObject } from './json.ts';

/** Name under which the recursive "any JSON value" schema of `z.json()` is published. */
export const JSON_VALUE_DEF = 'JsonValue';

/**
 * What `z.toJSONSchema` emits for `z.json()` (with its self reference spelled `#/$defs/JsonValue`).
 * zod extracts it as `__schema<N>`, a name that would leak into generated Python or Go types.
 */
const JSON_VALUE_SHAPE: JsonObject = {
  anyOf: [
    { type: 'string' },
    { type: 'number' },
    { type: 'boolean' },
    { type: 'null' },
    { type: 'array', items: { $ref: `#/$defs/${JSON_VALUE_DEF}` } },
    {
      type: 'object',
      propertyNames: { type: 'string' },
      additionalProperties: { $ref: `#/$defs/${JSON_VALUE_DEF}` },
    },
  ],
};

const ANONYMOUS_DEF = /^__schema\d+$/;

const rewriteRefs = (node: Json, renames: ReadonlyMap<string, string>): Json => {
  if (Array.isArray(node)) return node.map((n) => rewriteRefs(n, renames));
  if (!isJsonObject(node)) return node;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(node)) {
    out[k] =
      k === '$ref' && typeof v === 'string' ? (renames.get(v) ?? v) : rewriteRefs(v, renames);
  }
  return out;
};

/**
 * Renames zod's anonymous `$defs` (`__schema0`, ...) that are `z.json()` to one `JsonValue`
 * definition. Any other anonymous definition is a schema someone must name, so it throws.
 */
export const nameJsonValueDefs = (schema: JsonObject): JsonObject => {
  const defs = schema['$defs'];
  if (!isJsonObject(defs)) return schema;
  const renames = new Map<string, string>();
  for (const [name, def] of Object.entries(defs)) {
    if (!ANONYMOUS_DEF.test(name)) continue;
    const own = rewriteRefs(def, new Map([[`#/$defs/${name}`, `#/$defs/${JSON_VALUE_DEF}`]]));
    if (JSON.stringify(canonicalSchema(own)) !== JSON.stringify(canonicalSchema(JSON_VALUE_SHAPE)))
      throw new Error(
        `zod extracted an unnamed shared schema "${name}": give it an id in scripts/schemas.ts`,
      );
    renames.set(`#/$defs/${name}`, `#/$defs/${JSON_VALUE_DEF}`);
  }
  if (renames.size === 0) return schema;
  const rewritten = rewriteRefs(schema, renames) as JsonObject;
  const newDefs: JsonObject = {};
  for (const [name, def] of Object.entries(defs)) {
    if (!renames.has(`#/$defs/${name}`)) newDefs[name] = rewriteRefs(def, renames);
  }
  newDefs[JSON_VALUE_DEF] = {
    title: JSON_VALUE_DEF,
    description: 'Any JSON value.',
    ...JSON_VALUE_SHAPE,
  };
  return { ...rewritten, $defs: newDefs };
};

/** Keywords in the order a reader expects them; others follow alphabetically. */
const KEYWORD_ORDER = [
  '$schema',
  '$id',
  '$ref',
  'title',
  'description',
  'type',
  'const',
  'enum',
  'default',
  'format',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'exclusiveMinimum',
  'maximum',
  'exclusiveMaximum',
  'multipleOf',
  'minItems',
  'maxItems',
  'uniqueItems',
  'items',
  'prefixItems',
  'propertyNames',
  'properties',
  'required',
  'additionalProperties',
  'anyOf',
  'oneOf',
  'allOf',
  'not',
  '$defs',
];
const rank = (k: string): number => {
  const i = KEYWORD_ORDER.indexOf(k);
  return i === -1 ? KEYWORD_ORDER.length : i;
};
const byKeyword = (a: string, b: string): number =>
  rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);

/** Keywords whose value is a map of name to subschema. */
const SCHEMA_MAPS = new Set(['properties', '$defs', 'patternProperties', 'dependentSchemas']);
/** Keywords whose value is one subschema. */
const SCHEMA_ONE = new Set([
  'items',
  'additionalProperties',
  'propertyNames',
  'not',
  'contains',
  'if',
  'then',
  'else',
]);
/** Keywords whose value is a list of subschemas. */
const SCHEMA_LIST = new Set(['anyOf', 'oneOf', 'allOf', 'prefixItems']);

/**
 * Puts every schema's keywords in one fixed order so the files do not churn when zod changes
 * its emission order. `properties` keep declaration order (the order of the zod shape, which
 * reads best); `$defs` are sorted by name. Values of `default`, `const`, `enum` are left as is.
 */
export const canonicalSchema = (schema: Json): Json => {
  if (!isJsonObject(schema)) return schema;
  const out: JsonObject = {};
  for (const key of Object.keys(schema).sort(byKeyword)) {
    const value = schema[key] as Json;
    if (SCHEMA_MAPS.has(key) && isJsonObject(value)) {
      const names = Object.keys(value);
      if (key === '$defs') names.sort();
      const map: JsonObject = {};
      for (const name of names) map[name] = canonicalSchema(value[name] as Json);
      out[key] = map;
    } else if (SCHEMA_ONE.has(key)) {
      out[key] = canonicalSchema(value);
    } else if (SCHEMA_LIST.has(key) && Array.isArray(value)) {
      out[key] = value.map(canonicalSchema);
    } else {
      out[key] = value;
    }
  }
  return out;
};
