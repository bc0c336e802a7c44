/**
 * Leases on KV: which of several dispatcher processes serves a pool (the rule is
 * domain/lease; this folder reads and writes the pool's key with compare-and-set).
 */
export { holdPoolLease } from './pool-lease.ts';
export type { PoolLease, PoolLeaseOptions } from './pool-lease.ts';
