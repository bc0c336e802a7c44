/**
 * Start-up benchmark (`npm run bench`, or `npx tsx bench/startup.ts`): how long the `fleet`
 * command takes as a user runs it (`node bin/fleet.mjs`, what `npx fleet` runs after the
 * package's own `npx` lookup), timed as whole processes from spawn to exit, each command in
 * turn so that a drift in the machine's speed touches all of them alike:
 *
 * 1. `node -e ''`: the floor, Node starting and exiting with nothing to load;
 * 2. `fleet --help`: commander and every command's registration, nothing else (the goal: a
 *    median under 300 ms);
 * 3. `fleet status` of an unknown task, against a private nats-server (127.0.0.1, random port,
 *    temp store) and a `fleet dispatcher` of the pool that answers it: the client, the schemas
 *    and the NATS client loaded, a connection and one request;
 * 4. `fleet --help` from the sources through tsx, as bin/fleet.mjs ran before the build (and
 *    still does in a checkout whose build is missing or stale): fewer runs, it is slow.
 *
 * It needs the build (`npm run build`, which `npm install` runs) to be up to date, or it
 * would time tsx; it says so and stops otherwise. Flags: --runs=N (default 15).
 */
import { spawn, spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startNatsServer } from '../infra/nats-server.ts';
import { formatTable, ms } from './dispatch/format-table.ts';
import { median } from './dispatch/stats.ts';

const flag = (name: string): string | undefined =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const RUNS = Math.max(1, Number(flag('runs') ?? 15));
const TSX_RUNS = Math.max(1, Math.ceil(RUNS / 3));
const GOAL_MS = 300;
/** Node alone taking longer than this to start and exit says the machine is busy. */
const BUSY_FLOOR_MS = 150;

const REPO = fileURLToPath(new URL('..', import.meta.url));
const FLEET = ['bin/fleet.mjs'];
const ROOT = 'bstartup';
const STREAM = 'BENCH_STARTUP';
const POOL = 'bench';

/**
 * Runs `node <args>` to its end; returns its wall time in ms, failing on another exit code than
 * `code` (default 0) or output (stdout, then stderr) that `expect` does not match.
 */
const timeRun = (args: readonly string[], expect?: RegExp, code = 0): number => {
  const t = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: REPO, encoding: 'utf8' });
  const elapsed = performance.now() - t;
  if (r.status !== code || (expect !== undefined && !expect.test(r.stdout + r.stderr)))
    throw new Error(
      `node ${args.join(' ')} exited ${String(r.status)}: ${r.stderr.trim() || r.stdout.trim()}`,
    );
  return elapsed;
};

interface Row {
  readonly label: string;
  readonly args: readonly string[];
  readonly expect?: RegExp;
  /** The exit code the run must end with (default 0). */
  readonly code?: number;
  readonly runs: number;
  readonly times: number[];
}

const main = async (): Promise<void> => {
  // A missing or stale build makes bin/fleet.mjs run the sources through tsx, and say so.
  const probe = spawnSync(process.execPath, [...FLEET, '--version'], {
    cwd: REPO,
    encoding: 'utf8',
  });
  if (probe.status !== 0 || probe.stderr !== '')
    throw new Error(
      `bin/fleet.mjs does not run the build (${probe.stderr.trim() || `exit ${String(probe.status)}`}): run \`npm run build\` first`,
    );

  const server = await startNatsServer();
  const globals = ['--nats', server.url, '--root', ROOT, '--stream', STREAM];
  const dispatcher = spawn(process.execPath, [...FLEET, ...globals, 'dispatcher', '--pool', POOL], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      dispatcher.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes(`dispatcher of pool ${POOL} running`)) resolve();
      });
      dispatcher.once('exit', (code) => {
        reject(new Error(`the dispatcher exited (${String(code)}) before it ran: ${out}`));
      });
    });

    const rows: Row[] = [
      { label: "node -e '' (the floor)", args: ['-e', ''], runs: RUNS, times: [] },
      {
        label: 'fleet --help',
        args: [...FLEET, '--help'],
        expect: /Usage: fleet/,
        runs: RUNS,
        times: [],
      },
      {
        label: 'fleet status <unknown task>',
        args: [...FLEET, ...globals, 'status', 'nosuch', '--project', POOL, '--pool', POOL],
        // Asked of the pool's dispatcher, which does not know it: exit 1, not_found.
        expect: /^error \[not_found\]: no task nosuch/,
        code: 1,
        runs: RUNS,
        times: [],
      },
      {
        label: 'fleet --help from the sources through tsx (before the build)',
        args: ['--import', 'tsx', 'cli/main.ts', '--help'],
        expect: /Usage: fleet/,
        runs: TSX_RUNS,
        times: [],
      },
    ];
    console.log(
      `Start-up benchmark: whole processes, spawn to exit; Node ${process.version}, ` +
        `nats-server ${server.url}; median of ${RUNS} runs (${TSX_RUNS} through tsx) after one warm-up`,
    );
    for (const row of rows) timeRun(row.args, row.expect, row.code);
    for (let i = 0; i < RUNS; i += 1)
      for (const row of rows)
        if (i < row.runs) row.times.push(timeRun(row.args, row.expect, row.code));

    console.log(
      formatTable(
        ['command', 'median ms', 'min ms', 'max ms'],
        rows.map((r) => [
          r.label,
          ms(median(r.times)),
          ms(Math.min(...r.times)),
          ms(Math.max(...r.times)),
        ]),
      ),
    );
    const floor = median(rows[0]?.times ?? []);
    const help = median(rows[1]?.times ?? []);
    console.log(
      `fleet --help starts in ${ms(help)} ms (median), ${ms(help - floor)} ms above Node alone; ` +
        `goal under ${GOAL_MS} ms: ${help < GOAL_MS ? 'met' : 'NOT met'}`,
    );
    // An idle machine starts Node in some 40 ms; far more means other work shares the CPU.
    if (floor > BUSY_FLOOR_MS)
      console.log(
        `(Node alone took ${ms(floor)} ms: the machine is busy, and every figure with it; ` +
          'the margin above Node says what fleet itself costs)',
      );
  } finally {
    dispatcher.kill('SIGTERM');
    await new Promise((resolve) => dispatcher.once('close', resolve));
    await server.stop();
  }
};

await main();
