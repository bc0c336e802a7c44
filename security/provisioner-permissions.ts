import { DEFAULT_ROOT, DEFAULT_STREAM, subjects } from '../events/index.ts';
import type { PoolId, ProjectId } from '../events/index.ts';
import { own, readStream } from './permissions.ts';
import type { Permissions } from './permissions.ts';

/** Which pool a provisioner serves, and for which of its projects it may launch. */
export interface ProvisionerScope {
  readonly pool: PoolId;
  /** The projects whose tasks it may launch workers for; `all`: every project of the pool. */
  readonly projects: readonly ProjectId[] | 'all';
  readonly publicKey: string;
  readonly root?: string;
  readonly stream?: string;
}

/**
 * The provisioner of one pool: appends launch events on its pool's launch subject of each of
 * its projects, issues single-use enrollment keys in those projects (only a key's hash is
 * stored: `issueKey`), and reads the stream to fold the pool. It subscribes to its own inbox
 * only. It cannot write a submission, a decision, a report or a membership, nor launch in
 * another pool or project, nor change any stream. Its one-shot workers enroll on the shared
 * enrollment user's credentials and then work on their own, as every worker does.
 *
 * The key subject (`<root>.<project>._keys.<keyId>`) carries no pool, so the server cannot tell
 * a key of this pool from one of another pool of the same project; `fleet audit` flags a launch
 * key that is not single use or not of the launch's pool (projections/audit/fold-launch.ts).
 */
export const provisionerPermissions = (p: ProvisionerScope): Permissions => {
  const root = p.root ?? DEFAULT_ROOT;
  const s = subjects(root);
  const projects = p.projects === 'all' ? ['*' as ProjectId] : p.projects;
  return {
    pub: {
      allow: [
        ...projects.flatMap((project) => [s.launch(project, p.pool), `${root}.${project}._keys.*`]),
        ...readStream(p.stream ?? DEFAULT_STREAM),
      ],
      deny: [],
    },
    sub: { allow: own(p.publicKey), deny: [] },
  };
};
