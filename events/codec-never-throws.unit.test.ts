/** decode never throws: over arbitrary subjects and bytes it refuses or decodes what the subject admits. */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { decode } from './codec.ts';
import { isRetentionEvent } from './retention-events.ts';
import { DecodeError } from './errors.ts';
import { allowedTypes } from './subjects.ts';
import { bytesOf, sample, sampleEvents, sampleSubjects } from './test-fixtures.ts';
import { CODEC_CODES, s, types } from './support/codec-cases.ts';

const { project, pool, workerId } = sample;

describe('decode never throws', () => {
  /** A mix of valid stored subjects, request/reply subjects and garbage. */
  const subjectArb = fc.oneof(
    fc.constantFrom(...Object.values(sampleSubjects)),
    fc.constantFrom(
      s.claim(project, pool, workerId),
      s.enroll(),
      s.all(),
      'fleet.acme._keys',
      'fleet..gpu.submit',
      '',
    ),
    fc
      .array(
        fc.oneof(
          fc.constantFrom('fleet', 'acme', 'gpu', '_keys', 'worker', 'member', 'report', 'submit'),
          fc.constantFrom('dispatch', 'w-1', 'k-1', '*', '>', '', 'ACME', '_x', '__proto__'),
          fc.string({ maxLength: 8 }),
        ),
        { minLength: 1, maxLength: 7 },
      )
      .map((t) => t.join('.')),
    fc.string(),
  );
  const typeArb = fc.oneof(fc.constantFrom(...types), fc.string(), fc.jsonValue());
  const eventArb = fc.oneof(
    fc.record({ type: typeArb, data: fc.jsonValue(), meta: fc.jsonValue() }),
    // Valid events with some fields replaced by arbitrary JSON: reaches deep validation.
    fc
      .tuple(
        fc.constantFrom(...types),
        fc.dictionary(
          fc.constantFrom(
            'taskId',
            'project',
            'pool',
            'workerId',
            'keyId',
            'requirements',
            'labels',
            'usage',
            'payload',
            'attempt',
          ),
          fc.jsonValue({ maxDepth: 3 }),
        ),
      )
      .map(([type, patch]) => ({
        ...sampleEvents[type],
        data: { ...sampleEvents[type].data, ...patch },
      })),
    fc.constantFrom(...types).map((t) => sampleEvents[t]),
  );
  const bodyArb = fc.oneof(
    fc.jsonValue(),
    eventArb,
    fc.record({ batch: fc.array(eventArb, { maxLength: 5 }) }),
    fc.record({ batch: fc.jsonValue() }),
  );

  /** Checks the result is well-formed, and that whatever decodes obeys the subject. */
  const wellFormed = (subject: string, bytes: Uint8Array): boolean => {
    const r = decode(subject, bytes);
    if (!r.ok) return r.error instanceof DecodeError && CODEC_CODES.includes(r.error.code);
    const s = r.value.subject;
    return r.value.events.every(
      (e) =>
        allowedTypes[s.kind].includes(e.type) &&
        (s.kind === 'retention' || (!isRetentionEvent(e) && e.data.project === s.project)),
    );
  };

  it('on arbitrary bytes', () => {
    fc.assert(
      fc.property(subjectArb, fc.uint8Array({ maxLength: 256 }), (subject, bytes) =>
        wellFormed(subject, bytes),
      ),
      { numRuns: 2000 },
    );
  });

  it('on arbitrary JSON, bare, as { type, data, meta } and as { batch: [...] }', () => {
    fc.assert(
      fc.property(subjectArb, bodyArb, (subject, body) => wellFormed(subject, bytesOf(body))),
      { numRuns: 2000 },
    );
  });
});
