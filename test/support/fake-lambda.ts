import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { InvokeCommandOutput } from '@aws-sdk/client-lambda';
import type { LambdaContext } from '../../runtimes/index.ts';

/** A function of the fake service: the handler, its timeout, and its log lines. */
export interface FakeFunction {
  readonly handler: (event: unknown, context: LambdaContext) => Promise<unknown>;
  readonly timeoutMs: number;
  /** What its runtime reports instead of running it: an out-of-memory end, or a dropped connection. */
  readonly dies?: 'out_of_memory' | 'connection';
}

/** An invocation the fake served. */
export interface Invocation {
  readonly functionName: string;
  readonly invocationType: string | undefined;
  readonly logType: string | undefined;
  readonly event: unknown;
}

/** The response headers of Invoke, from the client's own output model. */
type InvokeHeaders = Pick<InvokeCommandOutput, 'FunctionError' | 'LogResult' | 'ExecutedVersion'>;

/**
 * The Lambda Invoke endpoint (`POST /2015-03-31/functions/{name}/invocations`) for tests: runs
 * the named function's handler in this process as Lambda would (its context, its timeout) and
 * answers as Lambda documents: 200 with the response as the body, or with
 * `X-Amz-Function-Error: Unhandled` and `{errorType, errorMessage}`; 404
 * `ResourceNotFoundException` for an unknown function; the log's tail base64 in
 * `X-Amz-Log-Result`.
 */
export const startFakeLambda = async (functions: Record<string, FakeFunction>) => {
  const invocations: Invocation[] = [];
  const answer = (res: ServerResponse, body: unknown, headers: InvokeHeaders) => {
    res.writeHead(200, {
      'content-type': 'application/json',
      ...(headers.FunctionError === undefined
        ? {}
        : { 'x-amz-function-error': headers.FunctionError }),
      ...(headers.LogResult === undefined ? {} : { 'x-amz-log-result': headers.LogResult }),
      'x-amz-executed-version': headers.ExecutedVersion ?? '$LATEST',
    });
    res.end(JSON.stringify(body));
  };
  const log = (text: string) => Buffer.from(text).toString('base64');

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(
      req.url?.split('?')[0] ?? '',
    );
    let raw = '';
    for await (const chunk of req) raw += String(chunk);
    if (req.method !== 'POST' || match === null) {
      res.writeHead(404).end();
      return;
    }
    const name = decodeURIComponent(match[1] ?? '');
    const event: unknown = JSON.parse(raw);
    invocations.push({
      functionName: name,
      invocationType: req.headers['x-amz-invocation-type'] as string | undefined,
      logType: req.headers['x-amz-log-type'] as string | undefined,
      event,
    });
    const fn = functions[name];
    if (fn === undefined) {
      res.writeHead(404, {
        'content-type': 'application/json',
        'x-amzn-errortype': 'ResourceNotFoundException',
      });
      res.end(JSON.stringify({ Type: 'User', message: `Function not found: ${name}` }));
      return;
    }
    if (fn.dies === 'connection') {
      req.socket.destroy();
      return;
    }
    if (fn.dies === 'out_of_memory') {
      answer(
        res,
        {
          errorType: 'Runtime.OutOfMemory',
          errorMessage: 'RequestId: r1 Error: Runtime exited with error: signal: killed',
        },
        { FunctionError: 'Unhandled', LogResult: log('REPORT Max Memory Used: 128 MB') },
      );
      return;
    }
    const started = Date.now();
    const context: LambdaContext = {
      getRemainingTimeInMillis: () => fn.timeoutMs - (Date.now() - started),
    };
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>(
      (resolve) => (timer = setTimeout(() => resolve('timeout'), fn.timeoutMs)),
    );
    try {
      const result = await Promise.race([fn.handler(event, context), timedOut]);
      if (result === 'timeout')
        answer(
          res,
          {
            errorType: 'Sandbox.Timedout',
            errorMessage: `RequestId: r1 Error: Task timed out after ${(fn.timeoutMs / 1000).toFixed(2)} seconds`,
          },
          { FunctionError: 'Unhandled', LogResult: log('START RequestId: r1\n') },
        );
      else answer(res, result, { LogResult: log('START RequestId: r1\nEND RequestId: r1\n') });
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      answer(
        res,
        { errorType: e.name, errorMessage: e.message },
        { FunctionError: 'Unhandled', LogResult: log(`ERROR ${e.message}\n`) },
      );
    } finally {
      clearTimeout(timer);
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = new LambdaClient({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${port}`,
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' },
    maxAttempts: 1,
  });
  return {
    client,
    invocations,
    close: () => {
      client.destroy();
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};
