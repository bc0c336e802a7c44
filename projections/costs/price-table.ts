import { readFile } from 'node:fs/promises';
import { FleetError, ErrorCode, PriceTable } from '../../events/index.ts';

export { DEFAULT_PRICE_TABLE, ModelPrice, PriceTable, priceTokens } from '../../events/index.ts';

/** Reads and validates a price table from a JSON file. Throws a `FleetError` saying what is wrong. */
export const loadPriceTable = async (path: string): Promise<PriceTable> => {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new FleetError(ErrorCode.InvalidInput, `cannot read the price table ${path}`, { cause });
  }
  const parsed = PriceTable.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new FleetError(
      ErrorCode.InvalidInput,
      `price table ${path}: ${issue === undefined ? 'invalid' : `${issue.path.join('.')}: ${issue.message}`} ` +
        '(write {"model": {"inPerMillion": 0.5, "outPerMillion": 1.5}})',
    );
  }
  return parsed.data;
};
