import { afterEach, beforeEach } from 'vitest';
import { startDispatcher } from '../../../actors/dispatcher/dispatcher.ts';
import type { Dispatcher } from '../../../actors/dispatcher/dispatcher.ts';
import { startRegistrar } from '../../../actors/registrar/index.ts';
import type { Registrar } from '../../../actors/registrar/index.ts';
import type { Worker } from '../../../actors/worker/index.ts';
import type { PoolId, ProjectId } from '../../../events/index.ts';
import { P, POOL } from '../../support/builders.ts';
import { fleetFixture } from '../../support/fleet-fixture.ts';
import type { FleetFixture } from '../../support/fleet-fixture.ts';

export const health = P.health as ProjectId;
export const fin = P.fin as ProjectId;
export const pool = POOL as PoolId;
export const HEARTBEAT_MS = 200;

/** A running dispatcher and registrar on a fresh stream, and what they reported as errors. */
export interface BadInputFleet {
  f: FleetFixture;
  d: Dispatcher;
  r: Registrar;
  /** A real worker a test started, killed after it. */
  worker: Worker | undefined;
  readonly errors: unknown[];
}

/**
 * Starts a dispatcher and a registrar before each test of the calling file and stops them after;
 * the returned object holds the current ones.
 */
export const useBadInputFleet = (): BadInputFleet => {
  const fleet = { worker: undefined, errors: [] as unknown[] } as unknown as BadInputFleet;
  beforeEach(async () => {
    fleet.f = await fleetFixture();
    fleet.errors.length = 0;
    // Workers appended by the fixture never beat: a high miss count keeps them from being lost.
    fleet.d = await startDispatcher({
      log: fleet.f.log,
      pool,
      config: { heartbeatMs: HEARTBEAT_MS, missedBeats: 1_000 },
      onError: (e) => fleet.errors.push(e),
    });
    fleet.r = await startRegistrar({ log: fleet.f.log, onError: (e) => fleet.errors.push(e) });
  });
  afterEach(async () => {
    await fleet.worker?.kill();
    fleet.worker = undefined;
    await fleet.d.stop();
    await fleet.r.stop();
    await fleet.f.close();
  });
  return fleet;
};
