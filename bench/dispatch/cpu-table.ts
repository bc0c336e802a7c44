/** The cost per task: CPU µs per completed task of each process (CPU ms per 1,000 tasks). */
import { formatTable, num } from './format-table.ts';

/** CPU ms per 1,000 tasks of a system's processes: its main one, its workers, its broker. */
export interface CpuPerKTask {
  readonly main: number;
  readonly workers: number;
  readonly broker: number;
}

/** The lines of the table, Fleet's configurations then BullMQ; none when nothing was measured. */
export const cpuTable = (rows: readonly { system: string; cpu: CpuPerKTask }[]): string[] =>
  rows.length === 0
    ? []
    : [
        '',
        'CPU µs per completed task, by process (the producer runs in the main process)',
        formatTable(
          ['system', 'main (dispatcher, registrar)', 'workers', 'nats-server / redis', 'total'],
          rows.map(({ system, cpu: c }) => [
            system,
            num(c.main),
            num(c.workers),
            num(c.broker),
            num(c.main + c.workers + c.broker),
          ]),
        ),
      ];
