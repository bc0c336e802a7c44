/**
 * Bad stored messages for the bad-input tests, as [subject, bytes, expected code, task named]:
 * ones the codec refuses, valid events wrong at their position in the log, and bad events on the
 * registrar's key subjects.
 */
import { MAX_JSON_DEPTH } from '../../../events/index.ts';
import type { FleetEventInput, KeyId, Subjects, WorkerId } from '../../../events/index.ts';
import { fin, health, pool } from './bad-input-fleet.ts';

const encoder = new TextEncoder();
export const text = (s: string) => encoder.encode(s);
export const json = (o: unknown) => text(JSON.stringify(o));
const at = { at: Date.now() };

const submission = (taskId: string, over: Record<string, unknown> = {}): FleetEventInput => ({
  type: 'task.submitted',
  data: { taskId, project: health, pool, requirements: { models: ['llama'] }, ...over },
  meta: at,
});

/** Stored messages the codec refuses, with the code and, for a submission, the task it names. */
export const unreadableMessages = (s: Subjects): [string, Uint8Array, string, string?][] => {
  const deep = `${'['.repeat(MAX_JSON_DEPTH * 200)}${']'.repeat(MAX_JSON_DEPTH * 200)}`;
  const unreadable: [string, Uint8Array, string, string?][] = [
    [s.submit(health, pool), text('{"type":'), 'malformed_json'],
    [s.submit(health, pool), Uint8Array.from([0xff, 0xfe, 0x7b]), 'malformed_json'],
    [s.submit(health, pool), new Uint8Array(0), 'malformed_json'],
    [s.submit(health, pool), text(`<${'x'.repeat(900_000)}>`), 'malformed_json'],
    [
      s.submit(health, pool),
      json(submission('bad-priority', { priority: 'high' })),
      'schema_invalid',
      'bad-priority',
    ],
    [
      s.submit(health, pool),
      json({ type: 'task.exploded', data: { taskId: 'boom' }, meta: at }),
      'unknown_type',
    ],
    [
      s.submit(health, pool),
      json({
        type: 'task.assigned',
        data: { taskId: 'mx', project: health, pool, workerId: 'wx', attempt: 2 },
        meta: at,
      }),
      'not_allowed_on_subject',
    ],
    [
      s.submit(health, pool),
      json(submission('mismatch-1', { project: fin })),
      'subject_mismatch',
      'mismatch-1',
    ],
    [`${s.root}.${health}.${pool}.bogus`, json(submission('bogus-1')), 'bad_subject'],
    [
      s.submit(health, pool),
      json({
        batch: [submission('b1'), submission('b2'), submission('b3', { maxAttempts: 0 })],
      }),
      'schema_invalid',
      'b3',
    ],
    [
      s.submit(health, pool),
      text(JSON.stringify(submission('deep-1', { payload: 'DEEP' })).replace('"DEEP"', deep)),
      'schema_invalid',
      'deep-1',
    ],
    [
      s.submit(health, pool),
      text(
        JSON.stringify(submission('proto-1', { payload: { x: 1 } })).replace(
          '{"x":1}',
          '{"__proto__":{"admin":true},"x":1}',
        ),
      ),
      'schema_invalid',
      'proto-1',
    ],
    [
      `${s.root}.${health}.${pool}.worker.constructor.report`,
      json({
        type: 'worker.draining',
        data: { workerId: 'constructor', project: health, pool },
        meta: at,
      }),
      'bad_subject',
    ],
  ];
  return unreadable;
};

/** Valid events that are wrong at their position in the log, with the fold's reason. */
export const misplacedEvents = (
  s: Subjects,
  reportSubject: string,
  report: { readonly data: Uint8Array },
): [string, Uint8Array, string][] => {
  const fold: [string, Uint8Array, string][] = [
    // Its first submission had another body (a payload, no model): a conflict, not a no-op.
    [s.submit(health, pool), json(submission('good-1')), 'conflict'],
    [
      s.report(health, pool, 'ghost' as WorkerId),
      json({
        type: 'task.completed',
        data: { taskId: 'mx', project: health, pool, workerId: 'ghost', attempt: 1 },
        meta: at,
      }),
      'unknown_worker',
    ],
    // A replayed report: the task it completed has ended.
    [reportSubject, report.data, 'task_not_assigned'],
    [
      s.report(health, pool, 'wx' as WorkerId),
      json({
        type: 'task.completed',
        data: { taskId: 'mx', project: health, pool, workerId: 'wx', attempt: 2 },
        meta: at,
      }),
      'stale_attempt',
    ],
    [
      s.report(health, pool, 'wf' as WorkerId),
      json({
        type: 'task.failed',
        data: {
          taskId: 'mx',
          project: health,
          pool,
          workerId: 'wf',
          attempt: 1,
          error: { message: 'forged' },
        },
        meta: at,
      }),
      'cross_project',
    ],
  ];
  return fold;
};

/** Bad events on the registrar's key subjects, around the key `keyId` of health. */
export const badKeyEvents = (
  s: Subjects,
  key: { readonly keyId: KeyId },
): [string, Uint8Array][] => {
  const keyEvent = (type: string, data: Record<string, unknown>) => json({ type, data, meta: at });
  const keys: [string, Uint8Array][] = [
    [s.key(health, key.keyId), text('nope')],
    [
      s.key(health, 'constructor' as KeyId),
      keyEvent('key.used', { keyId: 'constructor', project: health, workerId: 'w9', use: 1 }),
    ],
    [
      s.key(health, 'kbad' as KeyId),
      keyEvent('key.issued', {
        keyId: 'kbad',
        project: health,
        pool,
        maxUses: 1,
        expiresAt: Date.now() + 60_000,
        secretHash: 'not-a-hash',
      }),
    ],
    [
      s.key(health, 'kghost' as KeyId),
      keyEvent('key.used', { keyId: 'kghost', project: health, workerId: 'w9', use: 1 }),
    ],
    [
      s.key(health, key.keyId),
      keyEvent('key.used', { keyId: key.keyId, project: health, workerId: 'w9', use: 7 }),
    ],
    [
      s.key(fin, key.keyId),
      keyEvent('key.issued', {
        keyId: key.keyId,
        project: fin,
        pool,
        maxUses: 100,
        expiresAt: Date.now() + 60_000,
        secretHash: 'ab'.repeat(32),
      }),
    ],
  ];
  return keys;
};
