// The contract names every deployment's buckets; kept here for the CLI's imports.
export { snapshotBucket } from '../events/index.ts';
