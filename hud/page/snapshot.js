// @ts-check
// The latest snapshot from the stream, and how the panels read it. Reading is defensive:
// the page may meet a server older or newer than itself, so unknown fields read as empty.
/* exported snapshot, num, maybeNum, list, obj, fleet, totals, taskTotals, workerTotals,
   latencyTotal, thisHour */

/**
 * The latest snapshot, as parsed from the stream (`null` until the first one); read through
 * the helpers below, never trusted to have a field.
 * @type {any}
 */
let snapshot = null;

/** @param {unknown} v */
const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
/** @param {unknown} v */
const maybeNum = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
/** @param {unknown} v @returns {any[]} */
const list = (v) => (Array.isArray(v) ? v : []);
/** @param {unknown} v @returns {Record<string, any>} */
const obj = (v) => (typeof v === 'object' && v !== null ? /** @type {any} */ (v) : {});

/** The fleet view. */
const fleet = () => obj(snapshot?.fleet);
const totals = () => obj(fleet().totals);
const taskTotals = () => obj(totals().tasks);
const workerTotals = () => obj(totals().workers);

/**
 * The all-time latency of one kind (`submitToAssign`, `assignToComplete`) from the view.
 * @param {any} snap
 * @param {string} kind
 */
const latencyTotal = (snap, kind) => obj(obj(obj(snap?.latency).total)[kind]);

/** The current UTC hour as the cost view names hours (ISO 8601). */
const thisHour = () => {
  const d = new Date();
  d.setUTCMinutes(0, 0, 0);
  return d.toISOString();
};
