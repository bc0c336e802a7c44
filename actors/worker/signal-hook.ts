/** Calls `onSignal` on every SIGTERM and SIGINT until the returned function unhooks it. */
export const hookSignals = (onSignal: () => void): (() => void) => {
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  };
};
