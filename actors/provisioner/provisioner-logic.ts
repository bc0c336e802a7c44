import type { FleetEvent, PoolId, ProvisionCommand, Subjects } from '../../events/index.ts';
import type { ActorLogic, Route } from '../host/actor-host.ts';
import { decide, evolveInPlace, initialState } from '../../domain/provision/index.ts';
import type { ProvisionConfig, ProvisionState } from '../../domain/provision/index.ts';

/** Where each decision goes: the project's launch subject, exclusively. */
const route = (subjects: Subjects, e: FleetEvent): Route => {
  switch (e.type) {
    case 'launch.requested':
    case 'launch.started':
    case 'launch.failed':
      // Exclusive: two provisioners of one pool deciding on the same fold cannot both launch.
      return { subject: subjects.launch(e.data.project, e.data.pool), exclusive: true };
    default:
      throw new Error(`the provisioner does not decide ${e.type}`);
  }
};

/** The provisioner of one pool as an actor: the pure rule plus where its decisions go. */
export const provisionerLogic = (
  subjects: Subjects,
  config: Partial<ProvisionConfig> & Pick<ProvisionConfig, 'templates'> & { pool: PoolId },
): ActorLogic<ProvisionState, ProvisionCommand> => ({
  name: `provisioner.${config.pool}`,
  filter: subjects.pool(config.pool),
  snapshotVersion: 1,
  initialState: () => initialState(config),
  evolve: (state, entry) => {
    evolveInPlace(state, entry);
  },
  decide,
  route: (e) => route(subjects, e),
  // No snapshots of its own: it folds the pool from the log when it starts.
  restore: () => undefined,
});
