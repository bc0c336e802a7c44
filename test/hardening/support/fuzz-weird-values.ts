/** Values, ids, number literals and bodies that fuzzed messages put where they do not belong. */
import { MAX_MESSAGE_BYTES } from '../../../events/index.ts';
import type { Json } from './json-tree.ts';

const parsedProto = (): Json => JSON.parse('{"__proto__":{"polluted":true},"x":1}') as Json;

/** Values that break types and limits: huge numbers, NaN-ish text, unicode, odd shapes. */
export const WEIRD: readonly (() => Json)[] = [
  () => null,
  () => true,
  () => 0,
  () => -1,
  () => -0,
  () => 1.5,
  () => 1e308,
  () => -1e308,
  () => 2 ** 53 + 2,
  () => 2 ** 31,
  () => 'NaN',
  () => 'Infinity',
  () => '-Infinity',
  () => '1e999',
  () => '0x1f',
  () => ' 1',
  () => '',
  () => '\u0000',
  () => '\ud800',
  () => '💥🔥',
  () => '\u202eevil',
  () => 'ﬀ',
  () => 'a'.repeat(5_000),
  () => [],
  () => ({}),
  () => [[[]]],
  () => parsedProto(),
  () => ({ constructor: { prototype: { polluted: true } } }),
  () => 'constructor',
  () => 'toString',
  () => '__proto__',
];
export const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];
/** Ids that are subject tokens but also names Object.prototype answers to, and worse. */
export const ODD_IDS = [
  'constructor',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__proto__',
  'prototype',
  '',
  'a.b',
  '*',
  '>',
  'x'.repeat(65),
  'é',
  'W1',
];
export const RAW_NUMBERS = [
  '1e400',
  '-1e400',
  '1e-400',
  '123456789012345678901234567890',
  '-0',
  '0.1e1',
  '9007199254740993',
  '1.0',
];
export const BODIES = [
  '',
  ' ',
  'null',
  '[]',
  '"x"',
  '1',
  'true',
  '{}',
  '\uFEFF{}',
  '{"type":"task.submitted"}',
  '{"batch":[]}',
  '{"batch":{}}',
];
export const OVERSIZE = new TextEncoder().encode(`"${'x'.repeat(MAX_MESSAGE_BYTES)}"`);
