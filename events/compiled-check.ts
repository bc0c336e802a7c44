import { _, Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { z } from 'zod';
import { EventSchemas } from './fleet-event.ts';
import { ID, INHERITED, NAME } from './names.ts';

/**
 * The event types checked first by a validator compiled from their own zod schema: those that
 * come by the thousand (a batch submission holds 1,000 tasks, and every fold reads them all
 * again after a restart). zod walks each one through its schema objects; the compiled check is
 * straight-line code, about ten times faster.
 */
const COMPILED = ['task.submitted'] as const;
export type CompiledType = (typeof COMPILED)[number];

const isCompiled = (type: string): type is CompiledType =>
  (COMPILED as readonly string[]).includes(type);

type Json = Record<string, unknown>;

/** zod's string lengths, in UTF-16 code units; JSON Schema's `minLength`/`maxLength` count code points. */
const LENGTHS = { minLength: 'utf16MinLength', maxLength: 'utf16MaxLength' } as const;

/**
 * The JSON Schema of an event as a producer writes it (defaults optional, as `schemas/` has
 * it), plus what zod checks in code and a JSON Schema cannot say: ids and names are never an
 * inherited property name (`INHERITED`, checked by refinement in ids.ts), and lengths are
 * measured as zod measures them (`LENGTHS`).
 */
const jsonSchema = (type: CompiledType): Json => {
  const schema = z.toJSONSchema(EventSchemas[type], {
    io: 'input',
    target: 'draft-2020-12',
  }) as Json;
  const refined = new Set([NAME.source, ID.source]);
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) for (const x of node) visit(x);
    if (typeof node !== 'object' || node === null) return;
    const n = node as Json;
    if (typeof n['pattern'] === 'string' && refined.has(n['pattern']))
      n['not'] = { enum: [...INHERITED] };
    for (const [standard, utf16] of Object.entries(LENGTHS)) {
      if (typeof n[standard] !== 'number') continue;
      n[utf16] = n[standard];
      delete n[standard];
    }
    for (const v of Object.values(n)) visit(v);
  };
  visit(schema);
  return schema;
};

// zod's semantics: patterns without the `u` flag, lengths in UTF-16 code units (`LENGTHS`);
// defaults are filled in as zod fills them (the producer's input becomes the event).
const ajv = new Ajv2020({
  strict: false,
  useDefaults: true,
  unicodeRegExp: false,
  allErrors: false,
});
ajv.addKeyword({
  keyword: LENGTHS.minLength,
  type: 'string',
  schemaType: 'number',
  code: (cxt) => {
    cxt.fail(_`${cxt.data}.length < ${cxt.schema as number}`);
  },
});
ajv.addKeyword({
  keyword: LENGTHS.maxLength,
  type: 'string',
  schemaType: 'number',
  code: (cxt) => {
    cxt.fail(_`${cxt.data}.length > ${cxt.schema as number}`);
  },
});
const compiled = new Map<CompiledType, ValidateFunction>();

/**
 * For a compiled type, whether `raw` is valid, with its defaults filled in place (then it is
 * the event zod would give); undefined for other types. Never the last word on a refusal: a
 * message it does not accept goes through zod, whose verdict and message are the contract's.
 */
export const compiledCheck = (type: string, raw: unknown): boolean | undefined => {
  if (!isCompiled(type)) return undefined;
  let check = compiled.get(type);
  if (check === undefined) {
    check = ajv.compile(jsonSchema(type));
    compiled.set(type, check);
  }
  return check(raw);
};

/**
 * Compiles the checks now rather than at the first message of their type: a long-lived service
 * calls it at start, so that compiling (a few hundred ms on a loaded machine) does not stall
 * its first submission's fold, and the heartbeats behind it, while it serves.
 */
export const compileChecks = (): void => {
  for (const type of COMPILED) compiledCheck(type, null);
};
