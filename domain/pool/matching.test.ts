import type { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { LabelConstraint, Requirements } from '../../events/index.ts';
import type { Labels } from '../../events/index.ts';
import { labelHolds, unmetRequirements } from './matching.ts';
import type { Capability, Demand } from './state.ts';

const labels: Labels = { gpu: 'a100', vram: 80, region: 'eu', zone: '3', spot: false };
const holds = (c: unknown) => labelHolds(LabelConstraint.parse(c), labels);

describe('label constraints', () => {
  it.each([
    [{ key: 'gpu', op: 'eq', value: 'a100' }, true],
    [{ key: 'gpu', op: 'eq', value: 'h100' }, false],
    [{ key: 'vram', op: 'eq', value: '80' }, true], // compared as text
    [{ key: 'absent', op: 'eq', value: 'x' }, false],
    [{ key: 'gpu', op: 'neq', value: 'h100' }, true],
    [{ key: 'gpu', op: 'neq', value: 'a100' }, false],
    [{ key: 'absent', op: 'neq', value: 'x' }, true], // absent differs
    [{ key: 'region', op: 'in', values: ['us', 'eu'] }, true],
    [{ key: 'region', op: 'in', values: ['us'] }, false],
    [{ key: 'absent', op: 'in', values: ['x'] }, false],
    [{ key: 'region', op: 'notIn', values: ['us'] }, true],
    [{ key: 'region', op: 'notIn', values: ['eu'] }, false],
    [{ key: 'absent', op: 'notIn', values: ['x'] }, true],
    [{ key: 'spot', op: 'exists' }, true],
    [{ key: 'absent', op: 'exists' }, false],
    [{ key: 'absent', op: 'notExists' }, true],
    [{ key: 'gpu', op: 'notExists' }, false],
    [{ key: 'vram', op: 'gt', value: 40 }, true],
    [{ key: 'vram', op: 'gt', value: 80 }, false],
    [{ key: 'vram', op: 'gte', value: 80 }, true],
    [{ key: 'vram', op: 'lt', value: 80 }, false],
    [{ key: 'vram', op: 'lte', value: 80 }, true],
    [{ key: 'zone', op: 'gte', value: 3 }, true], // numeric string compares as a number
    [{ key: 'gpu', op: 'gt', value: 1 }, false], // not numeric: never satisfies
    [{ key: 'spot', op: 'lt', value: 1 }, false], // booleans are not numbers
    [{ key: 'absent', op: 'lt', value: 1 }, false],
    [{ key: 'constructor', op: 'exists' }, false], // inherited properties are not labels
    [{ key: 'toString', op: 'neq', value: 'x' }, true],
  ])('%j holds: %s', (constraint, expected) => {
    expect(holds(constraint)).toBe(expected);
  });
});

const cap = (over: Partial<Capability> = {}): Capability =>
  ({
    project: 'health-prod',
    pool: 'gpu',
    models: ['llama', 'mistral'],
    labels: { vram: 80 },
    exclusive: [],
    runtime: { kind: 'process' },
    ...over,
  }) as Capability;
const demand = (
  over: Partial<z.input<typeof Requirements>> = {},
  rest: Partial<Demand> = {},
): Demand =>
  ({
    project: 'health-prod',
    pool: 'gpu',
    requirements: Requirements.parse(over),
    timeoutMs: 60_000,
    ...rest,
  }) as Demand;
const kinds = (d: Demand, c: Capability) => unmetRequirements(d, c).map((u) => u.kind);

describe('hard requirements', () => {
  it('accepts a worker that meets everything', () => {
    expect(kinds(demand({ models: ['gpt', 'llama'] }), cap())).toEqual([]);
  });
  it('never matches across projects or pools, whatever else fits', () => {
    expect(kinds(demand(), cap({ project: 'fin-prod' as Capability['project'] }))).toEqual([
      'project',
    ]);
    expect(kinds(demand(), cap({ pool: 'cpu' as Capability['pool'] }))).toEqual(['pool']);
  });
  it('needs one of the acceptable models', () => {
    expect(kinds(demand({ models: ['gpt'] }), cap())).toEqual(['model']);
  });
  it('checks the runtime kind, its maximum duration and its memory', () => {
    const lambda = cap({ runtime: { kind: 'lambda', maxDurationMs: 900_000, memoryMb: 2048 } });
    expect(kinds(demand({ runtimes: ['docker'] }), lambda)).toEqual(['runtime']);
    expect(kinds(demand({ runtimes: ['lambda'] }), lambda)).toEqual([]);
    expect(kinds(demand({}, { timeoutMs: 3_600_000 }), lambda)).toEqual(['duration']);
    expect(kinds(demand({ memoryMb: 4096 }), lambda)).toEqual(['memory']);
  });
  it('keeps exclusive workers for tasks that ask for their reserved labels', () => {
    const reserved = cap({ labels: { gpu: 'h100' }, exclusive: ['gpu'] });
    expect(kinds(demand(), reserved)).toEqual(['exclusive']);
    expect(kinds(demand({ labels: [{ key: 'gpu', op: 'notExists' }] }), reserved)).toEqual([
      'label',
      'exclusive',
    ]);
    expect(kinds(demand({ labels: [{ key: 'gpu', op: 'eq', value: 'h100' }] }), reserved)).toEqual(
      [],
    );
    expect(kinds(demand({ labels: [{ key: 'gpu', op: 'exists' }] }), reserved)).toEqual([]);
  });
  it('lists every unmet requirement in a fixed order', () => {
    const d = demand({
      models: ['gpt'],
      labels: [{ key: 'vram', op: 'gt', value: 100 }],
      runtimes: ['docker'],
    });
    expect(kinds(d, cap())).toEqual(['model', 'label', 'runtime']);
  });
});
