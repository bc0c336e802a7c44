/** Subjects a fuzzed message may be moved to: another kind, project, pool or worker, or garbage. */
import { validEvent } from './fuzz-valid-event.ts';
import { at, KEYS, POOLS, PROJECTS, S, WORKERS } from './fuzz-world.ts';
import type { EventSpec } from './fuzz-world.ts';

/** Subjects that are no stored subject of Fleet's, or name prototype keys. */
const GARBAGE_SUBJECTS = [
  '',
  '.',
  'fleet',
  'fleet.',
  'fleet..gpu.submit',
  'other.health-prod.gpu.submit',
  'fleet_rpc.health-prod.gpu.w1.claim',
  'fleet.health-prod.gpu',
  'fleet.health-prod.gpu.submit.extra',
  'fleet.health-prod.gpu.junk',
  'fleet.Health.gpu.submit',
  'fleet.health-prod._keys',
  'fleet.health-prod._keys.k1.extra',
  'fleet.health-prod.gpu.worker.w1',
  'fleet.health-prod.gpu.member',
  'fleet.*.gpu.submit',
  'fleet.>.gpu.submit',
  `fleet.${'p'.repeat(200)}.gpu.submit`,
  'fleet.héalth.gpu.submit',
  'fleet.constructor.gpu.submit',
  'fleet.health-prod.gpu.worker.constructor.report',
  'fleet.health-prod.gpu.member.__proto__',
  'fleet.health-prod._keys.toString',
];

export const replaceToken = (subject: string, from: string, to: string): string =>
  subject
    .split('.')
    .map((t) => (t === from ? to : t))
    .join('.');

/** Other subjects for the same picks: another kind, project, pool or worker, or garbage. */
export const otherSubject = (spec: EventSpec, kind: number, to: number): string => {
  const project = to % 2 === 0 ? PROJECTS[1] : PROJECTS[0];
  const pool = at(POOLS, to);
  const w = at(WORKERS, to);
  switch (kind) {
    case 0: {
      const kinds = [
        S.submit(project as never, pool as never),
        S.cancel(project as never, pool as never),
        S.dispatch(project as never, pool as never),
        S.rejected(project as never, pool as never),
        S.report(project as never, pool as never, w as never),
        S.member(project as never, pool as never, w as never),
        S.key(project as never, at(KEYS, to) as never),
      ];
      return at(kinds, to + spec.n);
    }
    case 1:
      return validEvent({ ...spec, project: to % 8 }).subject;
    case 2:
      return validEvent({ ...spec, worker: to, pool: to }).subject;
    default:
      return at(GARBAGE_SUBJECTS, to);
  }
};
