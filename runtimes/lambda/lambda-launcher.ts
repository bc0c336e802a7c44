import { InvokeCommand, LambdaClient, LambdaServiceException } from '@aws-sdk/client-lambda';
import { LaunchError, LaunchErrorCode } from '../launch-error.ts';
import { LaunchOutcome } from '../launch-outcome.ts';
import type { LaunchResult, Launcher } from '../launcher.ts';
import { functionEnding } from './function-ending.ts';

/** Largest payload of a synchronous invocation, request or response (6 MB). */
export const MAX_LAMBDA_PAYLOAD_BYTES = 6 * 1024 * 1024;

/** Options of `lambdaLauncher`. */
export interface LambdaLauncherOptions {
  /** The function's name or ARN. */
  readonly functionName: string;
  /** A version or alias. */
  readonly qualifier?: string;
  /** The client (default: `new LambdaClient({})`: the region and credentials of the environment). */
  readonly client?: LambdaClient;
  /** Largest response kept as the output (default 1 MiB, what a report holds). */
  readonly maxOutputBytes?: number;
}

const MB = 1024 * 1024;

/** The service's verdict on a refused call, as a typed launch error. */
const refusal = (error: LambdaServiceException): LaunchError => {
  const text = `${error.name}: ${error.message}`;
  switch (error.name) {
    case 'ResourceNotFoundException':
      return new LaunchError(LaunchErrorCode.notFound, text, { cause: error });
    case 'RequestTooLargeException':
      return new LaunchError(LaunchErrorCode.payloadTooLarge, text, { cause: error });
    default:
      return new LaunchError(LaunchErrorCode.unavailable, text, { cause: error });
  }
};

/**
 * The Lambda launcher: each attempt is one synchronous invocation (`Invoke`, `RequestResponse`)
 * of the function with the task's JSON as its event, through the official AWS client. The
 * response is the output; a function error maps to a timeout, a memory kill or a failure (see
 * `functionEnding`); the tail of the function's log (`LogType: Tail`) is the stderr. An event
 * over 6 MB is refused before anything is sent. The wall-clock limit and the attempt's signal
 * abort the call (the function itself runs on until its own timeout).
 */
export const lambdaLauncher = (options: LambdaLauncherOptions): Launcher => {
  const client = options.client ?? new LambdaClient({});
  const maxOutput = options.maxOutputBytes ?? MB;
  return {
    kind: 'lambda',
    run: async (spec): Promise<LaunchResult> => {
      const payload = Buffer.from(spec.input, 'utf8');
      if (payload.byteLength > MAX_LAMBDA_PAYLOAD_BYTES)
        throw new LaunchError(
          LaunchErrorCode.payloadTooLarge,
          `the task is ${payload.byteLength} bytes, over Lambda's ${MAX_LAMBDA_PAYLOAD_BYTES} for a synchronous invocation`,
        );
      const timeout = AbortSignal.timeout(spec.limits.timeoutMs);
      const ended = (outcome: LaunchOutcome, detail: string): LaunchResult => ({
        outcome,
        stdout: '',
        stderr: '',
        truncated: false,
        detail,
      });
      let out;
      try {
        out = await client.send(
          new InvokeCommand({
            FunctionName: options.functionName,
            ...(options.qualifier === undefined ? {} : { Qualifier: options.qualifier }),
            InvocationType: 'RequestResponse',
            LogType: 'Tail',
            Payload: payload,
          }),
          { abortSignal: AbortSignal.any([spec.signal, timeout]) },
        );
      } catch (error) {
        if (spec.signal.aborted)
          return ended(LaunchOutcome.aborted, 'the invocation was abandoned');
        if (timeout.aborted)
          return ended(LaunchOutcome.timedOut, `no response within ${spec.limits.timeoutMs} ms`);
        if (error instanceof LambdaServiceException) throw refusal(error);
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ECONNREFUSED' || code === 'ENOTFOUND')
          throw new LaunchError(LaunchErrorCode.unavailable, `cannot reach Lambda: ${code}`, {
            cause: error,
          });
        // Sent, then the connection went: the function may have run, and its result is gone.
        return ended(
          LaunchOutcome.lost,
          `the invocation was lost: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      const body = Buffer.from(out.Payload ?? new Uint8Array());
      const logs =
        out.LogResult === undefined ? '' : Buffer.from(out.LogResult, 'base64').toString('utf8');
      const text = body.toString('utf8');
      if (out.FunctionError !== undefined)
        return {
          ...functionEnding(out.FunctionError, text),
          stdout: '',
          stderr: logs,
          truncated: false,
        };
      const truncated = body.byteLength > maxOutput;
      return {
        outcome: LaunchOutcome.succeeded,
        stdout: truncated ? body.subarray(0, maxOutput).toString('utf8') : text,
        stderr: logs,
        truncated,
        detail: `invoked ${options.functionName}${out.ExecutedVersion === undefined ? '' : ` (version ${out.ExecutedVersion})`}`,
      };
    },
    // An invocation leaves nothing behind to reap.
    reapOrphans: () => Promise.resolve(0),
  };
};
