import { DEFAULT_ROOT } from './subjects.ts';
import { DEFAULT_STREAM } from './streams.ts';

/** Name of the actor snapshot bucket of the default deployment. */
export const DEFAULT_SNAPSHOT_BUCKET = 'fleet_snapshots';

/** Name of the dispatcher lease bucket of the default deployment. */
export const DEFAULT_LEASE_BUCKET = 'fleet_leases';

/** Name of the projection checkpoint bucket of the default deployment. */
export const DEFAULT_PROJECTION_BUCKET = 'fleet_projections';

/** `base` for the default deployment, a bucket of its own (a valid name) for any other. */
const ofDeployment = (base: string, stream: string, root: string): string =>
  stream === DEFAULT_STREAM && root === DEFAULT_ROOT
    ? base
    : `${base}_${stream}_${root}`.replace(/[^A-Za-z0-9_-]/g, '_');

/**
 * The snapshot bucket of a deployment. Snapshots are keyed by actor name only, so two
 * deployments (streams or roots) on one server must not share a bucket.
 */
export const snapshotBucket = (stream: string, root: string): string =>
  ofDeployment(DEFAULT_SNAPSHOT_BUCKET, stream, root);

/** The checkpoint bucket of a deployment (checkpoints are keyed by projection name only). */
export const projectionBucket = (stream: string, root: string): string =>
  ofDeployment(DEFAULT_PROJECTION_BUCKET, stream, root);

/** The dispatcher lease bucket of a deployment (leases are keyed by pool only). */
export const leaseBucket = (stream: string, root: string): string =>
  ofDeployment(DEFAULT_LEASE_BUCKET, stream, root);

/** The JetStream stream behind a KV bucket. */
export const bucketStream = (bucket: string): string => `KV_${bucket}`;
