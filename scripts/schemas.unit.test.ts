import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { allowedTypes, decode, EventSchemas, SubjectKind, subjects } from '../events/index.ts';
import type { PoolId, ProjectId } from '../events/index.ts';
import { bytesOf, sampleEvents, sampleSubjects } from '../events/test-fixtures.ts';
import { isJsonObject } from './json.ts';
import type { Json, JsonObject } from './json.ts';
import { generateSchemas, SCHEMAS_DIR } from './schemas.ts';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', SCHEMAS_DIR);
const generated = generateSchemas();

// Strict: a keyword ajv does not know fails the compile, so a schema never passes by ignorance.
const ajv = new Ajv2020({ strict: true, allErrors: true });
/** The errors of `value` against `schema` (empty when valid), as ajv words them. */
const checkJsonSchema = (schema: JsonObject, value: unknown): string[] => {
  const id = schema['$id'];
  const validate = (typeof id === 'string' ? ajv.getSchema(id) : undefined) ?? ajv.compile(schema);
  return validate(value)
    ? []
    : (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'}: ${e.message ?? ''}`);
};

const committedFiles = (): string[] =>
  existsSync(dir)
    ? readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
        .sort()
    : [];

const parse = (content: string): JsonObject => {
  const v = JSON.parse(content) as Json;
  if (!isJsonObject(v)) throw new Error('not a JSON object');
  return v;
};
const schemaOf = (rel: string): JsonObject => {
  const content = generated.get(rel);
  if (content === undefined) throw new Error(`${rel} is not generated`);
  return parse(content);
};

describe('committed schemas/', () => {
  it.each([...generated.keys()])('schemas/%s is up to date', (rel) => {
    const path = join(dir, rel);
    const committed = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
    expect(
      committed === generated.get(rel),
      `schemas/${rel} is ${committed === undefined ? 'missing' : 'stale'}: run npm run schemas`,
    ).toBe(true);
  });

  it('holds no file the generator no longer produces', () => {
    const extra = committedFiles().filter((rel) => !generated.has(rel));
    expect(
      extra,
      `not produced by the generator: ${extra.map((r) => `schemas/${r}`).join(', ')}; run npm run schemas`,
    ).toEqual([]);
  });
});

describe('generateSchemas', () => {
  it('is deterministic, 2-space JSON with a trailing newline', () => {
    expect([...generateSchemas()]).toEqual([...generated]);
    for (const [rel, content] of generated) {
      expect(content, rel).toBe(`${JSON.stringify(JSON.parse(content), null, 2)}\n`);
    }
  });

  it('writes one schema per event type, each with a unique $id and a title', () => {
    const eventFiles = [...generated.keys()].filter((r) => r.startsWith('events/'));
    expect(eventFiles.sort()).toEqual(
      Object.keys(EventSchemas)
        .map((t) => `events/${t}.json`)
        .sort(),
    );
    const ids = new Set<string>();
    for (const rel of generated.keys()) {
      const doc = schemaOf(rel);
      expect(typeof doc['$id'], rel).toBe('string');
      expect(typeof doc['title'], rel).toBe('string');
      ids.add(doc['$id'] as string);
    }
    expect(ids.size).toBe(generated.size);
  });

  it('compiles every schema under ajv in strict mode (subjects.json is a catalog)', () => {
    const schemas = [...generated.keys()].filter((rel) => '$schema' in schemaOf(rel));
    expect([...generated.keys()].filter((rel) => !schemas.includes(rel))).toEqual([
      'subjects.json',
    ]);
    const fresh = new Ajv2020({ strict: true });
    for (const rel of schemas) expect(() => fresh.compile(schemaOf(rel)), rel).not.toThrow();
  });

  it('leaks no zod internals (anonymous $defs, brands)', () => {
    for (const [rel, content] of generated) {
      expect(content, rel).not.toMatch(/__schema|brand|Zod/i);
    }
  });

  it('lists every stored subject kind with the event types it admits', () => {
    const catalog = schemaOf('subjects.json');
    const stored = catalog['stored'] as JsonObject[];
    expect(stored.map((s) => s['kind'])).toEqual(Object.values(SubjectKind));
    for (const s of stored) {
      expect(s['eventTypes']).toEqual(allowedTypes[s['kind'] as SubjectKind]);
    }
    expect(stored.find((s) => s['kind'] === 'submit')?.['pattern']).toBe(
      subjects().submit('<project>' as ProjectId, '<pool>' as PoolId),
    );
    const rpc = (catalog['requestReply'] as JsonObject[]).map((r) => r['pattern']);
    expect(rpc).toEqual([
      'fleet_rpc.<project>.<pool>.<workerId>.claim',
      'fleet_rpc.<project>.<pool>.<workerId>.hb',
      'fleet_rpc.enroll',
      'fleet_rpc.enroll',
      'fleet_rpc.<project>.<pool>.status',
      'fleet_rpc.<project>.<pool>.status.<userKey>',
      'fleet_rpc.store.<userKey>.<stored subject without the root>',
    ]);
  });
});

/** Every property path that `required` arrays demand, following nested object schemas. */
const requiredPaths = (root: JsonObject, schema: Json, prefix = ''): string[] => {
  if (!isJsonObject(schema)) return [];
  const ref = schema['$ref'];
  if (typeof ref === 'string') {
    const defs = root['$defs'] as JsonObject;
    return requiredPaths(root, defs[ref.replace('#/$defs/', '')] as Json, prefix);
  }
  const props = isJsonObject(schema['properties']) ? schema['properties'] : {};
  const required = Array.isArray(schema['required']) ? (schema['required'] as string[]) : [];
  return required.flatMap((name) => [
    `${prefix}${name}`,
    ...requiredPaths(root, props[name] as Json, `${prefix}${name}.`),
  ]);
};

const lookup = (doc: Json, path: string): Json | undefined =>
  path
    .split('.')
    .reduce<Json | undefined>(
      (v, k) => (isJsonObject(v) && Object.hasOwn(v, k) ? v[k] : undefined),
      doc,
    );

describe('a Python producer writing plain JSON', () => {
  // Exactly what `json.dumps(doc)` of a hand-written dict produces: no defaults filled in.
  const json = `{
    "type": "task.submitted",
    "data": {
      "taskId": "job-42",
      "project": "acme",
      "pool": "gpu",
      "requirements": {"models": ["llama-3.1-70b"]},
      "payload": {"prompt": "Summarise this.", "max_tokens": 256}
    },
    "meta": {"at": 1732670000000}
  }`;
  const doc = JSON.parse(json) as Json;
  const subject = 'fleet.acme.gpu.submit';

  it('is accepted by decode, with defaults filled in', () => {
    const r = decode(subject, new TextEncoder().encode(json));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.events[0]?.data).toMatchObject({ priority: 0, maxAttempts: 3 });
  });

  it('has every property the generated task.submitted.json requires', () => {
    const schema = schemaOf('events/task.submitted.json');
    const paths = requiredPaths(schema, schema);
    expect(paths).toEqual([
      'type',
      'data',
      'data.taskId',
      'data.project',
      'data.pool',
      'meta',
      'meta.at',
    ]);
    for (const p of paths) expect(lookup(doc, p), p).toBeDefined();
  });

  it('validates against task.submitted.json and wire-message.json (single and batch)', () => {
    const event = schemaOf('events/task.submitted.json');
    const wire = schemaOf('wire-message.json');
    expect(checkJsonSchema(event, doc)).toEqual([]);
    expect(checkJsonSchema(wire, doc)).toEqual([]);
    expect(checkJsonSchema(wire, { batch: [doc, doc] })).toEqual([]);
  });

  // Mistakes a producer in another language makes; the schema and the codec must agree.
  const mistakes: [string, (d: JsonObject) => void][] = [
    ['a fractional meta.at (time.time() * 1000)', (d) => ((d['meta'] as JsonObject)['at'] = 1.5)],
    [
      'an empty model list',
      (d) => (((d['data'] as JsonObject)['requirements'] as JsonObject)['models'] = []),
    ],
    ['an unknown field', (d) => ((d['data'] as JsonObject)['tags'] = ['x'])],
    ['an uppercase project', (d) => ((d['data'] as JsonObject)['project'] = 'Acme')],
    ['a missing meta', (d) => delete d['meta']],
    ['a string priority', (d) => ((d['data'] as JsonObject)['priority'] = '5')],
  ];
  it.each(mistakes)('refuses %s in both the schema and decode', (_, mutate) => {
    const bad = JSON.parse(json) as JsonObject;
    mutate(bad);
    expect(checkJsonSchema(schemaOf('wire-message.json'), bad)).not.toEqual([]);
    expect(decode(subject, bytesOf(bad)).ok).toBe(false);
  });
});

describe('the generated schemas agree with the codec', () => {
  it.each(Object.keys(sampleEvents) as (keyof typeof sampleEvents)[])(
    'a valid %s passes its schema and the wire-message schema',
    (type) => {
      const event = JSON.parse(JSON.stringify(sampleEvents[type])) as Json;
      expect(decode(sampleSubjects[type], bytesOf(event)).ok).toBe(true);
      expect(checkJsonSchema(schemaOf(`events/${type}.json`), event)).toEqual([]);
      expect(checkJsonSchema(schemaOf('wire-message.json'), event)).toEqual([]);
    },
  );
});
