import { DEFAULT_ROOT, DEFAULT_STREAM } from '../events/index.ts';
import { DEFAULT_SNAPSHOT_BUCKET } from '../actors/host/snapshots.ts';

/**
 * The snapshot bucket of a deployment. Snapshots are keyed by actor name only, so two
 * deployments (streams or roots) on one server must not share a bucket: the default one keeps
 * `fleet_snapshots`, any other gets its own.
 */
export const snapshotBucket = (stream: string, root: string): string =>
  stream === DEFAULT_STREAM && root === DEFAULT_ROOT
    ? DEFAULT_SNAPSHOT_BUCKET
    : `${DEFAULT_SNAPSHOT_BUCKET}_${stream}_${root}`.replace(/[^A-Za-z0-9_-]/g, '_');
