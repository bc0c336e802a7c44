import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compiledCheck } from './compiled-check.ts';
import { EventSchemas } from './fleet-event.ts';

const base = () => ({
  type: 'task.submitted',
  data: { taskId: 't1', project: 'health-prod', pool: 'gpu' } as Record<string, unknown>,
  meta: { at: 1 } as Record<string, unknown>,
});
const astral = '😀'.repeat(129); // 258 UTF-16 units, 129 code points

/** Inputs near every edge the zod schema draws (each must get zod's verdict, or zod's word). */
const edges: [string, (e: ReturnType<typeof base>) => void][] = [
  ['defaults only', () => undefined],
  ['full', (e) => Object.assign(e.data, { priority: 5, maxAttempts: 100, timeoutMs: 5 })],
  ['labels', (e) => (e.data['requirements'] = { labels: [{ key: 'gpu', op: 'eq', value: 'a' }] })],
  ['in labels', (e) => (e.data['requirements'] = { labels: [{ key: 'k', op: 'in', values: [] }] })],
  ['inherited task id', (e) => (e.data['taskId'] = 'constructor')],
  ['inherited project', (e) => (e.data['project'] = 'constructor')],
  ['inherited pool', (e) => (e.data['pool'] = 'valueOf')],
  ['__proto__ id', (e) => (e.data['taskId'] = '__proto__')],
  [
    'long label value in UTF-16',
    (e) => {
      e.data['requirements'] = { labels: [{ key: 'k', op: 'eq', value: astral }] };
    },
  ],
  ['long correlation id in UTF-16', (e) => (e.meta['correlationId'] = astral.slice(0, 130))],
  ['unknown field', (e) => (e.data['extra'] = 1)],
  ['unknown meta field', (e) => (e.meta['by'] = 'x')],
  ['fractional priority', (e) => (e.data['priority'] = 1.5)],
  ['priority too high', (e) => (e.data['priority'] = 1001)],
  ['zero attempts', (e) => (e.data['maxAttempts'] = 0)],
  ['unsafe integer', (e) => (e.meta['at'] = 2 ** 60)],
  ['bad runtime', (e) => (e.data['requirements'] = { runtimes: ['vm'] })],
  ['no models', (e) => (e.data['requirements'] = { models: [] })],
  ['payload', (e) => (e.data['payload'] = { deep: [1, { x: null }], s: 'é' })],
  ['string payload', (e) => (e.data['payload'] = 'text')],
  ['missing task id', (e) => delete e.data['taskId']],
];

const agrees = (raw: unknown) => {
  const zod = EventSchemas['task.submitted'].safeParse(structuredClone(raw));
  const mine = structuredClone(raw);
  // The compiled check may refuse what zod accepts (zod then decides), never the reverse.
  if (compiledCheck('task.submitted', mine) === true) {
    expect(zod.success).toBe(true);
    expect(mine).toEqual(zod.data);
  }
  return zod.success;
};

describe('the compiled check of hot event types', () => {
  it.each(edges)('gives zod’s verdict and event on %s, or leaves it to zod', (_, change) => {
    const e = base();
    change(e);
    agrees(e);
  });

  it('refuses what zod refuses only by refinement or by UTF-16 length', () => {
    for (const name of ['inherited task id', 'inherited project', 'long label value in UTF-16']) {
      const e = base();
      edges.find(([n]) => n === name)?.[1](e);
      expect(compiledCheck('task.submitted', e)).toBe(false);
    }
  });

  it('never accepts what zod refuses, over random submissions', () => {
    const id = fc.oneof(
      fc.constantFrom('t1', 'constructor', 'a-b', '', 'x'.repeat(65)),
      fc.string(),
    );
    fc.assert(
      fc.property(
        id,
        id,
        fc.option(fc.integer({ min: -1100, max: 1100 })),
        // The codec refuses a `__proto__` key before this check sees a message (events/codec.ts).
        fc.option(fc.jsonValue().filter((v) => !JSON.stringify(v).includes('"__proto__"'))),
        fc.option(fc.string({ maxLength: 300, unit: 'binary' })),
        (taskId, project, priority, payload, label) => {
          const e = base();
          Object.assign(e.data, { taskId, project });
          if (priority !== null) e.data['priority'] = priority;
          if (payload !== null) e.data['payload'] = payload;
          if (label !== null)
            e.data['requirements'] = { labels: [{ key: 'k', op: 'eq', value: label }] };
          agrees(JSON.parse(JSON.stringify(e)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is not used for other event types', () => {
    expect(compiledCheck('task.cancelled', base())).toBeUndefined();
  });
});
