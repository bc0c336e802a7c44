/**
 * Helpers of the end-to-end dispatch benchmark (`bench/dispatch.ts`): the raw JetStream, Fleet
 * and BullMQ measurements, the child-process link (the workers run in `workers.ts` and
 * `bullmq-worker.ts`, separate processes), statistics and formatting.
 */
export { benchRawJetStream } from './raw-jetstream.ts';
export type { RawBenchOptions, RawResult } from './raw-jetstream.ts';
export { benchFleet } from './fleet.ts';
export type { FleetResult } from './fleet.ts';
export type { FleetBenchOptions, FleetSetup } from './fleet-setup.ts';
export type { FleetProfile } from './fleet-profile.ts';
export type { LatencyBreakdown } from './latency-breakdown.ts';
export { benchBullmq } from './bullmq.ts';
export type { BullmqBenchOptions, BullmqResult } from './bullmq.ts';
export { spawnChild } from './child-link.ts';
export type { ChildLink, ChildMessage } from './child-link.ts';
export { emit, readCommands, sharedClockMs } from './child-io.ts';
export type { ChildCommand } from './child-io.ts';
export { clockOffset } from './clock-offset.ts';
export type { ClockOffset } from './clock-offset.ts';
export { machineFacts, redisVersion } from './machine-facts.ts';
export type { MachineFacts } from './machine-facts.ts';
export { ownCpuMs, processCpuMs } from './process-cpu.ts';
export { median, percentile, summarize } from './stats.ts';
export type { LatencySummary } from './stats.ts';
export { noopInput, noopTask } from './submit.ts';
export { formatTable, ms, num } from './format-table.ts';
export { cpuTable } from './cpu-table.ts';
export type { CpuPerKTask } from './cpu-table.ts';
