import { describe, expect, it } from 'vitest';
import { parseConstraint } from './parse-constraint.ts';

describe('parseConstraint', () => {
  it.each([
    ['gpu=a100', { key: 'gpu', op: 'eq', value: 'a100' }],
    ['gpu==a100', { key: 'gpu', op: 'eq', value: 'a100' }],
    ['zone!=us-east', { key: 'zone', op: 'neq', value: 'us-east' }],
    ['vram>=40', { key: 'vram', op: 'gte', value: 40 }],
    ['vram > 40.5', { key: 'vram', op: 'gt', value: 40.5 }],
    ['load<=0.8', { key: 'load', op: 'lte', value: 0.8 }],
    ['temp<-5', { key: 'temp', op: 'lt', value: -5 }],
    ['region in eu|us', { key: 'region', op: 'in', values: ['eu', 'us'] }],
    ['region not in eu | us', { key: 'region', op: 'notIn', values: ['eu', 'us'] }],
    ['region notin cn', { key: 'region', op: 'notIn', values: ['cn'] }],
    ['nvidia.com/gpu exists', { key: 'nvidia.com/gpu', op: 'exists' }],
    ['!spot', { key: 'spot', op: 'notExists' }],
    ['tier=a=b', { key: 'tier', op: 'eq', value: 'a=b' }],
  ])('reads %j', (text, constraint) => {
    expect(parseConstraint(text)).toEqual(constraint);
  });

  it.each([
    ['gpu', /not a constraint; a constraint is k=v, k!=v, k>=n/],
    ['vram => 40', /"=>" is not an operator; a constraint is k=v/],
    ['vram=>40', /"=>" is not an operator/],
    ['vram =< 40', /"=<" is not an operator/],
    ['vram == >40', /"==>" is not an operator/],
    ['gpu in a100, h100', /"a100, h100" is not one value: separate a list's values with \|/],
    ['gpu in a100 h100|l4', /"a100 h100" is not one value/],
    ['gpu=a100,h100', /"a100,h100" is not one value \(for any of several, write "k in a\|b"\)/],
    ['gpu!=a100 h100', /is not one value/],
    ['=a100', /not a constraint/],
    ['gpu=', /no value after "="/],
    ['vram>=lots', /">=" compares numbers, and "lots" is not one/],
    ['region in eu||us', /none empty/],
    ['gpu exist', /not a constraint/],
    [`k=${'x'.repeat(300)}`, /256/],
  ])('refuses %j with a typed error naming the flag', (text, why) => {
    let error: unknown;
    try {
      parseConstraint(text, '--label');
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'invalid_input', path: '--label' });
    expect((error as Error).message).toMatch(/^--label "/);
    expect((error as Error).message).toMatch(why);
    // Every refusal shows the grammar.
    expect((error as Error).message).toMatch(/a constraint is k=v, .* "k in a\|b", .* or "!k"/);
  });
});
