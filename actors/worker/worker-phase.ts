/** Where a worker is in its life. */
export type WorkerPhase = 'running' | 'draining' | 'stopping' | 'ended';
