import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import type {
  V1Job,
  V1JobCondition,
  V1JobList,
  V1Pod,
  V1PodList,
  V1Status,
} from '@kubernetes/client-node';

/** How the fake cluster ends a Job, once the launcher has read it running once. */
export type JobScript =
  | { readonly end: 'complete'; readonly log: string }
  | { readonly end: 'exit'; readonly exitCode: number; readonly log: string }
  | { readonly end: 'oom' }
  | { readonly end: 'deadline' }
  | { readonly end: 'evicted' }
  | { readonly end: 'never' };

/** A request the fake served: method, path and query. */
export interface Served {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
}

/**
 * A Kubernetes API server for tests, implementing exactly the documented endpoints the launcher
 * uses (batch/v1 Jobs: create, read, list by label, delete; core/v1 Pods: list by label, read
 * log), with bodies typed by the official client's models. Each created Job runs the script
 * `scriptFor` gives it: it ends after the launcher has seen it running once.
 */
export const startFakeCluster = async (scriptFor: (job: V1Job) => JobScript) => {
  const jobs = new Map<string, { job: V1Job; script: JobScript; reads: number }>();
  const pods = new Map<string, { pod: V1Pod; log: string }>();
  const served: Served[] = [];
  const created: V1Job[] = [];

  const send = (res: ServerResponse, code: number, body: unknown): true => {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
    return true;
  };
  const status = (code: number, reason: string, text: string): V1Status => ({
    apiVersion: 'v1',
    kind: 'Status',
    status: code < 300 ? 'Success' : 'Failure',
    reason,
    message: text,
    code,
  });
  const matches = (labels: Record<string, string> | undefined, selector: string | null) =>
    (selector ?? '')
      .split(',')
      .filter((s) => s !== '')
      .every((term) => {
        const [k = '', v = ''] = term.split('=');
        return labels?.[k] === v;
      });

  /** Ends the Job as scripted: its condition, and its pod with its container's termination. */
  const finish = (name: string, script: JobScript, job: V1Job) => {
    const condition = (type: 'Complete' | 'Failed', reason?: string): V1JobCondition[] => [
      { type, status: 'True', ...(reason === undefined ? {} : { reason }) },
    ];
    const pod = (terminated?: { exitCode: number; reason: string }, reason?: string): V1Pod => ({
      metadata: { name: `${name}-pod`, labels: { 'job-name': name } },
      status: {
        phase: 'Failed',
        ...(reason === undefined ? {} : { reason, message: 'The node was low on memory.' }),
        containerStatuses: terminated
          ? [
              {
                name: 'task',
                image: 'x',
                imageID: 'x',
                ready: false,
                restartCount: 0,
                state: { terminated },
              },
            ]
          : [],
      },
    });
    switch (script.end) {
      case 'complete':
        job.status = { conditions: condition('Complete'), succeeded: 1 };
        pods.set(name, { pod: pod({ exitCode: 0, reason: 'Completed' }), log: script.log });
        return;
      case 'exit':
        job.status = { conditions: condition('Failed', 'BackoffLimitExceeded'), failed: 1 };
        pods.set(name, {
          pod: pod({ exitCode: script.exitCode, reason: 'Error' }),
          log: script.log,
        });
        return;
      case 'oom':
        job.status = { conditions: condition('Failed', 'BackoffLimitExceeded'), failed: 1 };
        pods.set(name, { pod: pod({ exitCode: 137, reason: 'OOMKilled' }), log: '' });
        return;
      case 'deadline':
        job.status = { conditions: condition('Failed', 'DeadlineExceeded'), failed: 1 };
        return;
      case 'evicted':
        job.status = { conditions: condition('Failed', 'BackoffLimitExceeded'), failed: 1 };
        pods.set(name, { pod: pod(undefined, 'Evicted'), log: '' });
        return;
      case 'never':
        return;
      default: {
        const never: never = script;
        return never;
      }
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    served.push({ method, path: url.pathname, query: url.searchParams });
    let body = '';
    for await (const chunk of req) body += String(chunk);
    const job = /^\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs(?:\/([^/]+))?$/.exec(url.pathname);
    const pod = /^\/api\/v1\/namespaces\/([^/]+)\/pods(?:\/([^/]+)\/log)?$/.exec(url.pathname);
    if (job !== null && job[2] === undefined && method === 'POST') {
      const manifest = JSON.parse(body) as V1Job;
      const name = manifest.metadata?.name ?? '';
      if (jobs.has(name)) return send(res, 409, status(409, 'AlreadyExists', name));
      manifest.metadata = Object.assign(manifest.metadata ?? {}, {
        namespace: job[1],
        uid: name,
        resourceVersion: '1',
      });
      manifest.status = { active: 1 };
      created.push(structuredClone(manifest));
      jobs.set(name, { job: manifest, script: scriptFor(manifest), reads: 0 });
      return send(res, 201, manifest);
    }
    if (job !== null && job[2] === undefined && method === 'GET') {
      const list: V1JobList = {
        apiVersion: 'batch/v1',
        kind: 'JobList',
        metadata: {},
        items: [...jobs.values()]
          .map((j) => j.job)
          .filter((j) => matches(j.metadata?.labels, url.searchParams.get('labelSelector'))),
      };
      return send(res, 200, list);
    }
    if (job?.[2] !== undefined) {
      const entry = jobs.get(job[2]);
      if (entry === undefined) return send(res, 404, status(404, 'NotFound', job[2]));
      if (method === 'DELETE') {
        jobs.delete(job[2]);
        pods.delete(job[2]);
        return send(res, 200, status(200, '', 'deleted'));
      }
      entry.reads += 1;
      if (entry.reads === 2) finish(job[2], entry.script, entry.job);
      return send(res, 200, entry.job);
    }
    if (pod !== null && pod[2] === undefined) {
      const list: V1PodList = {
        apiVersion: 'v1',
        kind: 'PodList',
        metadata: {},
        items: [...pods.values()]
          .map((p) => p.pod)
          .filter((p) => matches(p.metadata?.labels, url.searchParams.get('labelSelector'))),
      };
      return send(res, 200, list);
    }
    if (pod?.[2] !== undefined) {
      const found = [...pods.values()].find((p) => p.pod.metadata?.name === pod[2]);
      if (found === undefined) return send(res, 404, status(404, 'NotFound', pod[2]));
      const limit = Number(url.searchParams.get('limitBytes') ?? Infinity);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(Buffer.from(found.log).subarray(0, limit));
      return true;
    }
    return send(res, 404, status(404, 'NotFound', url.pathname));
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      send(res, 500, status(500, 'InternalError', String(error)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'fake', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'fleet', token: 'test-token' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'fleet', namespace: 'fleet' }],
    currentContext: 'fake',
  });
  return {
    kubeConfig,
    served,
    created,
    /** The Jobs the cluster still has. */
    jobNames: () => [...jobs.keys()],
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};
