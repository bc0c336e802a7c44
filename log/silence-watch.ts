/** What a read's watch for silence needs. */
export interface SilenceWatchOptions {
  /** The idle heartbeat each pull asks of the server: something arrives at least this often. */
  readonly heartbeatMs: number;
  /** Silence this long means the consumer's server is gone. */
  readonly silentMs: number;
  readonly onSilence: (silentForMs: number) => void;
}

/**
 * Tells when a pull consumer's server went silent. A pull asks for idle heartbeats, so a read
 * hears something every `heartbeatMs` while its consumer lives; when the server holding the
 * consumer dies (kill -9 of a cluster node) nothing tells the client — its pull is simply gone,
 * and the read would wait for its stall check. A check that itself ran late (a blocked event
 * loop) judges nothing: the heartbeats may wait unread in the socket.
 */
export const silenceWatch = (o: SilenceWatchOptions) => {
  let heardAt = Date.now();
  let tickAt = heardAt;
  const timer = setInterval(() => {
    const now = Date.now();
    const late = now - tickAt > 2 * o.heartbeatMs;
    tickAt = now;
    if (late) heardAt = now;
    else if (now - heardAt > o.silentMs) {
      const silentFor = now - heardAt;
      heardAt = now;
      o.onSilence(silentFor);
    }
  }, o.heartbeatMs);
  timer.unref();
  return {
    /** Something arrived from the consumer, or a new one was opened. */
    heard: (): void => {
      heardAt = Date.now();
    },
    stop: (): void => {
      clearInterval(timer);
    },
  };
};
