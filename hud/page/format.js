// @ts-check
// How the page writes numbers, durations, money and times.
/* exported int, compact, duration, money, perSecond, ago, clock */

/** @param {number} n */
const int = (n) => Math.round(n).toLocaleString('en-US');

/** @param {number} n */
const compact = (n) => {
  const a = Math.abs(n);
  if (a >= 1e6) return `${(n / 1e6).toFixed(a >= 1e7 ? 0 : 1)}M`;
  if (a >= 1e4) return `${(n / 1e3).toFixed(a >= 1e5 ? 0 : 1)}k`;
  return int(n);
};

/** @param {number | null} ms */
const duration = (ms) => {
  if (ms === null) return '–';
  if (ms === 0) return '0';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)}m ${Math.round((ms % 60_000) / 1000)}s`;
  return `${Math.floor(ms / 3_600_000)}h ${Math.round((ms % 3_600_000) / 60_000)}m`;
};

/** @param {number} usd */
const money = (usd) => {
  if (usd === 0) return '$0';
  if (usd < 0.01) return `$${usd.toFixed(4)}`;
  if (usd < 1000) return `$${usd.toFixed(2)}`;
  return `$${compact(usd)}`;
};

/** @param {number} rate */
const perSecond = (rate) =>
  rate >= 100 ? int(rate) : rate >= 10 ? rate.toFixed(1) : rate.toFixed(2);

/** @param {number | null} at */
const ago = (at) => (at === null ? 'never' : `${duration(Math.max(0, Date.now() - at))} ago`);

/** @param {number} at */
const clock = (at) => new Date(at).toLocaleTimeString('en-GB', { hour12: false });
