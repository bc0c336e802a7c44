import { LaunchOutcome } from '../launch-outcome.ts';

/** The body Lambda returns with `X-Amz-Function-Error`: what the function threw. */
interface FunctionErrorBody {
  readonly errorType?: unknown;
  readonly errorMessage?: unknown;
}

const parse = (payload: string): FunctionErrorBody => {
  try {
    const body: unknown = JSON.parse(payload);
    return typeof body === 'object' && body !== null ? body : {};
  } catch {
    return {};
  }
};

/**
 * The outcome of an invocation that came back with a function error: Lambda's timeout
 * (`Sandbox.Timedout`, or "Task timed out after" in the message) timed out; an out-of-memory
 * end (`Runtime.OutOfMemory`, or the runtime killed by a signal) exceeded its memory; any other
 * error (`Unhandled`, `Handled`) failed, with the function's error type and message.
 */
export const functionEnding = (
  functionError: string,
  payload: string,
): { readonly outcome: LaunchOutcome; readonly detail: string } => {
  const body = parse(payload);
  const type = typeof body.errorType === 'string' ? body.errorType : functionError;
  const text = typeof body.errorMessage === 'string' ? body.errorMessage : payload.slice(0, 512);
  const detail = `${type}: ${text}`;
  if (type === 'Sandbox.Timedout' || /Task timed out after/.test(text))
    return { outcome: LaunchOutcome.timedOut, detail };
  if (type === 'Runtime.OutOfMemory' || /Runtime exited with error: signal: killed/.test(text))
    return { outcome: LaunchOutcome.memoryExceeded, detail };
  return { outcome: LaunchOutcome.failed, detail };
};
