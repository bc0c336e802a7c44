import type { FleetEvent, Subjects } from '../../events/index.ts';
import type { ActorLogic, Route } from '../host/actor-host.ts';
import { decide } from './decide.ts';
import type { EnrollCommand } from './enroll-command.ts';
import { evolveRecipe } from './evolve.ts';
import { keysFilter } from './keys.ts';
import { initialState } from './state.ts';
import type { RegistrarState } from './state.ts';

/**
 * Where each decision goes: a key's use to the key's subject, exclusively, so concurrent
 * enrollments (in one registrar or several) take turns and `maxUses` holds; the membership to
 * the new worker's member subject, which the pool's dispatcher folds.
 */
const route = (subjects: Subjects, e: FleetEvent): Route => {
  switch (e.type) {
    case 'key.used':
      return { subject: subjects.key(e.data.project, e.data.keyId), exclusive: true };
    case 'worker.enrolled':
      return {
        subject: subjects.member(e.data.project, e.data.pool, e.data.workerId),
        exclusive: false,
      };
    default:
      throw new Error(`the registrar does not decide ${e.type}`);
  }
};

/**
 * The registrar as an actor: the pure core plus where its decisions go. `instance` must be
 * unique per running registrar: the host derives dedupe ids from the actor's name and fold
 * position, and JetStream answers a repeated id as a duplicate *before* checking the expected
 * last sequence — two registrars sharing a name would see a lost race as a success.
 */
export const registrarLogic = (
  subjects: Subjects,
  instance: string,
): ActorLogic<RegistrarState, EnrollCommand> => ({
  name: `registrar.${instance}`,
  filter: keysFilter(subjects),
  snapshotVersion: 1,
  initialState,
  evolve: (state, entry) => {
    evolveRecipe(state, entry);
  },
  decide: (state, command) => {
    const decision = decide(state, command);
    return decision.ok ? [...decision.value] : [];
  },
  route: (e) => route(subjects, e),
  // Instances are unique, so no snapshot is ever found again: registrars fold keys from the log.
  restore: () => undefined,
});
