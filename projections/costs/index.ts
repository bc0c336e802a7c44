/** The costs projection: usage and cost of accepted reports, priced with a price table. */
export { costsProjection } from './costs-projection.ts';
export { costsRecipe } from './costs-recipe.ts';
export { costView, rollUpHours, sumCosts } from './cost-view.ts';
export type { CostFigures, CostRow, CostView, HourlyCostRow } from './cost-view.ts';
export {
  DEFAULT_PRICE_TABLE,
  loadPriceTable,
  ModelPrice,
  PriceTable,
  priceTokens,
} from './price-table.ts';
export { CostsStateSchema, emptyCell, HOURLY_RETENTION_HOURS, initialCostsState } from './state.ts';
export type { CostCell, CostsState, HourCell, WorkerCell } from './state.ts';
