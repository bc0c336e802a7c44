import type { Life } from './worker-state.ts';

/** Where a worker is in its life. */
export type WorkerPhase = 'running' | 'draining' | 'stopping' | 'ended';

/** The phase of a worker in `life` (draining covers every step of leaving). */
export const phaseOf = (life: Life): WorkerPhase => {
  switch (life.status) {
    case 'enrolled':
    case 'running':
      return 'running';
    case 'draining':
    case 'closing':
      return 'draining';
    case 'stopping':
      return 'stopping';
    case 'ended':
      return 'ended';
    default: {
      const never: never = life;
      return never;
    }
  }
};
