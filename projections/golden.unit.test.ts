import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { evolveEntries, initialState } from '../domain/pool/index.ts';
import { isReadable, isRetentionEvent, subjectMatches } from '../events/index.ts';
import type { PoolId, ProjectId } from '../events/index.ts';
import { DEFAULT_PRICE_TABLE } from './costs/price-table.ts';
import { foldLog, viewProjections } from './projection-states.ts';
import { parseRecordedLog } from './recorded-log.ts';
import { replayViews } from './replay-views.ts';

const GOLDEN = fileURLToPath(new URL('../test/fixtures/golden/', import.meta.url));
const folders = readdirSync(GOLDEN, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);
const logOf = (folder: string) =>
  parseRecordedLog(readFileSync(`${GOLDEN}${folder}/log.jsonl`, 'utf8'));

describe.each(folders)('golden replay %s', (folder) => {
  const items = logOf(folder);

  it('folds to the committed views (npm run golden:update regenerates them)', () => {
    const views = replayViews(items);
    expect(Object.keys(views)).toEqual(['fleet-state', 'costs', 'latency', 'rejections']);
    for (const [name, view] of Object.entries(views)) {
      const expected: unknown = JSON.parse(readFileSync(`${GOLDEN}${folder}/${name}.json`, 'utf8'));
      expect(JSON.parse(JSON.stringify(view)), `${folder}/${name}.json`).toEqual(expected);
    }
  });

  it('a retention point, the operator’s and of no project, changes no view', () => {
    const last = items.at(-1)?.entry;
    if (last === undefined) throw new Error('empty golden log');
    const data = { stream: 'FLEET', firstSeq: 1, reason: 'r', at: last.at };
    const signature = 'A'.repeat(86);
    const point = {
      subject: 'fleet._ops.retention',
      entry: {
        seq: last.seq + 1,
        at: last.at,
        events: [
          {
            type: 'retention.point' as const,
            data: { ...data, operator: `O${'A'.repeat(55)}`, signature },
            meta: { at: last.at },
          },
        ],
      },
    };
    expect(replayViews([...items, point])).toEqual(replayViews(items));
  });

  it('agrees with the dispatcher: each pool’s state is the dispatcher’s own fold of the log', () => {
    const states = foldLog(items);
    const pools = Object.keys(states.fleet.pools);
    expect(pools.length).toBeGreaterThan(0);
    for (const pool of pools) {
      const filter = `${items[0]?.subject.split('.')[0] ?? ''}.*.${pool}.>`;
      const entries = items.filter((i) => subjectMatches(filter, i.subject)).map((i) => i.entry);
      expect(states.fleet.pools[pool]).toEqual(
        evolveEntries(initialState({ pool: pool as PoolId }), entries),
      );
    }
  });

  it('shows a project nothing of another: no ids, no names, and counts that add up', () => {
    const states = foldLog(items);
    const now = items.at(-1)?.entry.at ?? 0;
    const ids = new Map<string, Set<string>>();
    for (const { entry } of items) {
      if (!isReadable(entry)) continue;
      // A worker belongs to the project that enrolled it, a task to the one that submitted it,
      // whatever subject names them later (a forged report, a cross-project claim).
      for (const e of entry.events) {
        if (isRetentionEvent(e)) continue;
        const mine = ids.get(e.data.project) ?? new Set<string>();
        if (e.type === 'task.submitted') mine.add(e.data.taskId);
        if (e.type === 'worker.enrolled') mine.add(e.data.workerId);
        ids.set(e.data.project, mine);
      }
    }
    const projects = [...ids.keys()];
    expect(projects.length).toBeGreaterThan(1);
    const operator = viewProjections(states, {
      scope: { kind: 'operator' },
      now,
      priceTable: DEFAULT_PRICE_TABLE,
    });
    for (const project of projects) {
      const scope = { kind: 'project', project: project as ProjectId } as const;
      const snapshot = viewProjections(states, { scope, now, priceTable: DEFAULT_PRICE_TABLE });
      const text = JSON.stringify(snapshot);
      for (const other of projects.filter((p) => p !== project)) {
        expect(text).not.toContain(other);
        for (const id of ids.get(other) ?? []) {
          if ((ids.get(project) ?? new Set()).has(id)) continue; // the same id in both namespaces
          expect(text, `${project} sees ${other}'s ${id}`).not.toContain(`"${id}"`);
        }
      }
      // What it sees is exactly its own rows of the operator's view.
      const own = <T extends { project: string }>(rows: readonly T[]) =>
        rows.filter((r) => r.project === project);
      expect(snapshot.fleet.pools).toEqual(own(operator.fleet.pools));
      expect(snapshot.fleet.workers).toEqual(own(operator.fleet.workers));
      expect(snapshot.costs.rows).toEqual(own(operator.costs.rows));
      expect([snapshot.costs.total]).toEqual(
        own(operator.costs.byProject).map(({ project: _, ...f }) => f),
      );
      expect(snapshot.latency.groups).toEqual(own(operator.latency.groups));
      expect(snapshot.rejections.byProject).toEqual(own(operator.rejections.byProject));
    }
  });
});
