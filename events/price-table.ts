import { z } from 'zod';
import { ModelName } from './ids.ts';

/** What a model costs, in US dollars per million tokens. */
export const ModelPrice = z
  .object({
    inPerMillion: z.number().nonnegative(),
    outPerMillion: z.number().nonnegative(),
  })
  .strict();
export type ModelPrice = z.infer<typeof ModelPrice>;

/**
 * Model name → price (part of the contract: the pool's limits price reports by it too). Used only for reports that give tokens but no `costUsd`: a worker's own
 * figure always wins.
 */
export const PriceTable = z.record(ModelName, ModelPrice);
export type PriceTable = Readonly<Record<string, ModelPrice>>;

/**
 * Illustrative list prices of common open models when served by a hosted provider; pass your
 * own table (`startProjections({ priceTable })`, `fleet costs --prices file.json`) for real bills.
 */
export const DEFAULT_PRICE_TABLE: PriceTable = {
  'llama3-70b': { inPerMillion: 0.59, outPerMillion: 0.79 },
  'llama3-8b': { inPerMillion: 0.05, outPerMillion: 0.08 },
  'mistral-7b': { inPerMillion: 0.15, outPerMillion: 0.15 },
  'mixtral-8x7b': { inPerMillion: 0.24, outPerMillion: 0.24 },
  'phi-3': { inPerMillion: 0.1, outPerMillion: 0.1 },
  'qwen2-72b': { inPerMillion: 0.9, outPerMillion: 0.9 },
};

/** The cost of `tokensIn` and `tokensOut` of `model`, or undefined when the table has no price. */
export const priceTokens = (
  table: PriceTable,
  model: string,
  tokensIn: number,
  tokensOut: number,
): number | undefined => {
  const price = Object.hasOwn(table, model) ? table[model] : undefined;
  if (price === undefined) return undefined;
  return (tokensIn * price.inPerMillion + tokensOut * price.outPerMillion) / 1_000_000;
};
