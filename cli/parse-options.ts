import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { InvalidInputError } from '../client/invalid-input-error.ts';

/** Commander collector of a repeatable option: every occurrence, in order. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Values of a repeatable option whose occurrences may also be comma-separated lists. */
export const parseList = (values: readonly string[] | undefined): string[] =>
  (values ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');

/** Parses an integer option within bounds. */
export const parseInteger = (
  text: string,
  flag: string,
  bounds: { min?: number; max?: number } = {},
): number => {
  const n = Number(text);
  const min = bounds.min ?? Number.MIN_SAFE_INTEGER;
  const max = bounds.max ?? Number.MAX_SAFE_INTEGER;
  if (text.trim() === '' || !Number.isSafeInteger(n) || n < min || n > max) {
    const from = bounds.min === undefined ? '' : ` from ${min}`;
    const to = bounds.max === undefined ? '' : ` to ${max}`;
    throw new InvalidInputError(flag, `${flag} "${text}" must be a whole number${from}${to}`);
  }
  return n;
};

/** `--replicas` of a service that may create the stream: what `EventLog.open` takes. */
export const REPLICAS_HELP =
  'servers holding the stream (and the buckets made for it), set when it is created or changed';

/** `--replicas <n>` read as `EventLog.open`'s `replicas`, absent when not given. */
export const replicasOption = (value: string | undefined): { replicas?: number } =>
  value === undefined ? {} : { replicas: parseInteger(value, '--replicas', { min: 1, max: 5 }) };

/** Parses `project=weight` fair-share weights (repeatable). */
export const parseWeights = (values: readonly string[] | undefined): Record<string, number> => {
  const weights: Record<string, number> = {};
  for (const text of values ?? []) {
    const eq = text.indexOf('=');
    const weight = Number(text.slice(eq + 1));
    if (eq <= 0 || !Number.isFinite(weight) || weight <= 0)
      throw new InvalidInputError(
        '--weight',
        `--weight "${text}": write project=weight, weight > 0`,
      );
    weights[text.slice(0, eq).trim()] = weight;
  }
  return weights;
};

/** A JSON value given inline (`'{"a":1}'`) or from a file (`@input.json`). */
export const parsePayload = async (
  text: string,
  flag = '--payload',
): Promise<z.core.util.JSONType> => {
  let source = text;
  if (text.startsWith('@')) {
    try {
      source = await readFile(text.slice(1), 'utf8');
    } catch (cause) {
      throw new InvalidInputError(flag, `${flag}: cannot read ${text.slice(1)}`, { cause });
    }
  }
  try {
    return JSON.parse(source) as z.core.util.JSONType;
  } catch (cause) {
    const where = text.startsWith('@') ? `${text.slice(1)} is` : 'it is';
    throw new InvalidInputError(
      flag,
      `${flag}: ${where} not JSON (quote a string as '"text"', or use @file.json)`,
      { cause },
    );
  }
};
