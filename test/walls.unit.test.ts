import { existsSync } from 'node:fs';
import { cruise } from 'dependency-cruiser';
import type { ICruiseResult, IForbiddenRuleType } from 'dependency-cruiser';
import { beforeAll, describe, expect, it } from 'vitest';

/** Every folder of the house whose imports the walls judge (tests are left out). */
const ROOMS = [
  'events',
  'domain',
  'actors',
  'log',
  'infra',
  'projections',
  'security',
  'client',
  'runtimes',
  'deploy',
  'cli',
  'hud',
  'telemetry',
  'examples',
  'bench',
  'scripts',
  'test',
];

/** A path in any of Fleet's rooms but `room`. */
const fleetRoomsBut = (room: string): string => `^(${ROOMS.filter((r) => r !== room).join('|')})/`;

/** Modules with no I/O: the contract, the deciders and the folds. */
const PURE = [
  '^events/',
  '^domain/',
  '^actors/dispatcher/(decide|evolve|matching|queue|fair-share|signatures|state|why-waiting|fold-reject-reason|dispatcher-logic)\\.ts$',
  '^actors/registrar/(decide|evolve|state|fold-reject-reason|registrar-logic|enroll-command)\\.ts$',
];

/** The walls, as dependency-cruiser rules: each names what may not import what. */
const RULES: IForbiddenRuleType[] = [
  {
    name: 'contract-stands-alone',
    comment: 'events/ is the contract: it imports nothing of Fleet’s',
    severity: 'error',
    from: { path: '^events/' },
    to: { path: fleetRoomsBut('events') },
  },
  {
    name: 'pure-has-no-transport',
    comment: 'deciders, folds and the contract are pure: no NATS client',
    severity: 'error',
    from: { path: PURE },
    to: { path: 'node_modules/@nats-io/(transport-node|jetstream|kv|nats-core)' },
  },
  {
    name: 'reads-never-import-actors',
    comment: 'projections and the audit fold the log on their own: no actor, no client',
    severity: 'error',
    from: { path: '^projections/' },
    to: { path: '^(actors|client)/' },
  },
  {
    name: 'audit-is-independent',
    comment: 'the audit is a second implementation of the rules on purpose: never the pool’s',
    severity: 'error',
    from: { path: '^projections/audit/' },
    to: { path: '^domain/' },
  },
  {
    name: 'domain-is-pure',
    comment:
      'the deciders know the contract and nothing else of Fleet’s; immer is their one library',
    severity: 'error',
    from: { path: '^domain/' },
    to: { path: [fleetRoomsBut('domain').replace('events|', ''), 'node_modules/(?!immer/)'] },
  },
  {
    name: 'infra-knows-no-rules',
    comment: 'infra/ starts servers: it imports nothing of Fleet’s',
    severity: 'error',
    from: { path: '^infra/' },
    to: { path: fleetRoomsBut('infra') },
  },
  {
    name: 'telemetry-knows-no-rules',
    comment: 'telemetry/ logs and traces for everyone: it imports nothing of Fleet’s',
    severity: 'error',
    from: { path: '^telemetry/' },
    to: { path: fleetRoomsBut('telemetry') },
  },
  {
    name: 'log-is-below-the-actors',
    comment: 'log/ reads and writes the stream for everyone: it knows the contract, no reader',
    severity: 'error',
    from: { path: '^log/' },
    to: { path: '^(domain|actors|projections|security|client|cli|hud)/' },
  },
  {
    name: 'faces-are-leaves',
    comment: 'the CLI and the HUD are faces: the product underneath imports neither',
    severity: 'error',
    from: {
      path: '^(events|domain|actors|log|infra|projections|security|client|runtimes|telemetry)/',
    },
    to: { path: '^(cli|hud)/' },
  },
  {
    name: 'production-never-imports-tests',
    comment: 'test fixtures live in test/, and only tests and tools use them',
    severity: 'error',
    from: {
      path: '^(events|domain|actors|log|infra|projections|security|client|runtimes|cli|hud|telemetry)/',
    },
    to: { path: '^test/' },
  },
  {
    name: 'launchers-stay-out-of-the-actors',
    comment: 'runtimes/ builds on the worker SDK; no actor or reader depends on a launcher',
    severity: 'error',
    from: { path: '^(events|domain|actors|log|projections|security|client)/' },
    to: { path: '^runtimes/' },
  },
];

/** The room of a module: a top folder, or an actor's own folder under actors/. */
const roomOf = (path: string): string => /^(actors\/[^/]+|[^/]+)\//.exec(path)?.[1] ?? path;

/** Folder pairs that import each other, directly or around a loop (strongly connected). */
const folderCycles = (result: ICruiseResult): string[][] => {
  const edges = new Map<string, Set<string>>();
  for (const m of result.modules)
    for (const d of m.dependencies) {
      if (d.coreModule || d.couldNotResolve || d.resolved.includes('node_modules')) continue;
      const [a, b] = [roomOf(m.source), roomOf(d.resolved)];
      if (a !== b) edges.set(a, (edges.get(a) ?? new Set()).add(b));
    }
  // Tarjan's strongly connected components over the rooms.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v) ?? 0);
    stack.push(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    for (let w = stack.pop(); w !== undefined; w = w === v ? undefined : stack.pop())
      component.push(w);
    if (component.length > 1) cycles.push(component.sort());
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return cycles;
};

/** The import graph of `rooms`, judged by `rules`. */
const cruiseRooms = async (
  rooms: string[],
  rules: IForbiddenRuleType[],
): Promise<ICruiseResult> => {
  const reported = await cruise(
    rooms,
    {
      // Tests are left out; packages stay in the graph as leaves, for the rules that name them.
      exclude: { path: '\\.test\\.ts$' },
      doNotFollow: { path: 'node_modules' },
      tsPreCompilationDeps: true,
      validate: true,
      ruleSet: { forbidden: rules },
    },
    undefined,
    { tsConfig: { fileName: 'tsconfig.json' } },
  );
  if (typeof reported.output === 'string') throw new Error('cruise reported text, not a result');
  return reported.output;
};

describe('the walls of the house', () => {
  let result: ICruiseResult;
  beforeAll(async () => {
    result = await cruiseRooms(
      ROOMS.filter((room) => existsSync(room)),
      RULES,
    );
  }, 60_000);

  it('reads every room', () => {
    const rooms = new Set(result.modules.map((m) => roomOf(m.source)));
    for (const room of ['events', 'actors/dispatcher', 'projections', 'cli', 'hud', 'security'])
      expect(rooms).toContain(room);
  });

  it('breaks no wall', () => {
    const broken = result.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`);
    expect(broken).toEqual([]);
  });

  it('has no cycle between folders', () => {
    expect(folderCycles(result)).toEqual([]);
  });

  it('would see a broken wall (the rules match what they name)', async () => {
    // The contract importing two of its own files, judged as if they were another room's.
    const planted = {
      ...RULES[0],
      to: { path: '^events/(ids|errors)\\.ts$' },
    } as IForbiddenRuleType;
    const judged = await cruiseRooms(['events'], [planted]);
    expect(judged.summary.violations.map((v) => v.rule.name)).toContain('contract-stands-alone');
  }, 60_000);
});
