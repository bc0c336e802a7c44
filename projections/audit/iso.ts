/** A time (epoch ms) in ISO 8601, as the audit's words show it. */
export const iso = (ms: number): string => new Date(ms).toISOString();
