import { describe, expect, it } from 'vitest';
import type { Demand } from './state.ts';
import { demandSignature } from './signatures.ts';
import type { LabelConstraint, ModelName, PoolId, ProjectId } from '../../events/index.ts';

const demand = (models: string[], labels: LabelConstraint[] = [], timeoutMs = 60_000): Demand => ({
  project: 'health-prod' as ProjectId,
  pool: 'gpu' as PoolId,
  requirements: { models: models as ModelName[], labels },
  timeoutMs,
});

describe('demand signatures', () => {
  it('are equal for equal demands, whatever the order of lists, and differ otherwise', () => {
    const a = demandSignature(demand(['a', 'b']));
    expect(demandSignature(demand(['a', 'b']))).toBe(a);
    expect(demandSignature(demand(['b', 'a']))).toBe(a);
    // Each right after an equal-looking one: the last demand signed is not taken for it.
    expect(demandSignature(demand(['a', 'b'], [], 1))).not.toBe(a);
    expect(demandSignature(demand(['a']))).not.toBe(a);
    expect(demandSignature(demand(['a']))).not.toBe(a);
    expect(demandSignature(demand(['a', 'b', 'c']))).not.toBe(a);
  });

  it('take an absent field and an undefined one alike, and tell labels apart', () => {
    const plain = demandSignature(demand(['a']));
    const d = demand(['a']);
    expect(
      demandSignature({ ...d, requirements: { ...d.requirements, runtimes: undefined } }),
    ).toBe(plain);
    const a100 = demandSignature(demand(['a'], [{ key: 'gpu', op: 'eq', value: 'a100' }]));
    expect(a100).not.toBe(plain);
    expect(demandSignature(demand(['a'], [{ key: 'gpu', op: 'eq', value: 'h100' }]))).not.toBe(
      a100,
    );
  });
});
