/** What a JetStream delivery's reply subject says about the message. */
export interface AckInfo {
  readonly streamSeq: number;
  /** The consumer's delivery sequence: one more per message, so a gap shows a lost message. */
  readonly deliverySeq: number;
  /** Server time the message was stored, epoch ms. */
  readonly at: number;
  /** Messages matching the consumer still waiting after this one. */
  readonly pending: number;
}

/**
 * Parses `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<ts>.<pending>` and the longer
 * form with a domain and an account hash in front (and a token after); anything else is not a
 * delivery (a status message of the pull) and gives undefined.
 */
export const parseAckSubject = (subject: string): AckInfo | undefined => {
  if (!subject.startsWith('$JS.ACK.')) return undefined;
  const t = subject.split('.');
  const base = t.length === 9 ? 4 : t.length >= 11 ? 6 : -1;
  if (base < 0) return undefined;
  const [sseq, dseq, ts, pending] = t.slice(base + 1, base + 5).map(Number);
  if (
    sseq === undefined ||
    dseq === undefined ||
    ts === undefined ||
    pending === undefined ||
    // Nanoseconds since 1970 are beyond a double's integers; milliseconds are what counts.
    !Number.isFinite(ts) ||
    ![sseq, dseq, pending].every(Number.isSafeInteger)
  )
    return undefined;
  return { streamSeq: sseq, deliverySeq: dseq, at: Math.floor(ts / 1_000_000), pending };
};
