import { readFileSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Secret } from 'kubernetes-models/v1/Secret';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { buildProgram } from '../cli/main.ts';
import { parseDuration } from '../cli/parse-duration.ts';

// The worker's Kubernetes manifests, checked three ways: against the Kubernetes JSON schemas
// (kubernetes-models: the API's OpenAPI definitions compiled by ajv: types, required fields,
// formats); for fields the API does not have (the official client's models: the schemas let
// unknown fields through, and a misspelt probe would be ignored by a cluster); and against
// the worker itself: the options its arguments use, its health endpoint, its drain timeout.

const read = (name: string) => readFileSync(new URL(name, import.meta.url), 'utf8');
const manifests = (name: string): unknown[] =>
  parseAllDocuments(read(name)).map((d) => d.toJS() as unknown);

type Json = Record<string, unknown>;
const [deployment] = manifests('kubernetes/worker-deployment.yaml') as [k8s.V1Deployment];
const [secret] = manifests('kubernetes/worker-secret.yaml') as [k8s.V1Secret];
const pod = deployment.spec?.template.spec;
const container = pod?.containers[0];
if (container === undefined) throw new Error('the Deployment has no container');
const args = container.args ?? [];

/** A model of the official client: its fields by their JSON names. */
interface Model {
  getAttributeTypeMap(): { baseName: string; type: string }[];
}
const modelOf = (type: string): Model | undefined => {
  const found = (k8s as unknown as Record<string, unknown>)[type];
  return typeof found === 'function' && 'getAttributeTypeMap' in found
    ? (found as unknown as Model)
    : undefined;
};

/** The paths in `value` of fields that type `type` of the Kubernetes API does not have. */
const unknownFields = (value: unknown, type: string, path = ''): string[] => {
  const list = /^Array<(.+)>$/.exec(type)?.[1];
  if (list !== undefined && Array.isArray(value))
    return value.flatMap((v, i) => unknownFields(v, list, `${path}[${String(i)}]`));
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type)?.[1];
  const model = modelOf(type);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, v]) => {
    if (map !== undefined) return unknownFields(v, map, `${path}.${key}`);
    if (model === undefined) return [];
    const field = model.getAttributeTypeMap().find((a) => a.baseName === key);
    return field === undefined
      ? [`${path}.${key}`]
      : unknownFields(v, field.type, `${path}.${key}`);
  });
};

/** A copy of the Deployment with `change` made to its worker container. */
const withContainer = (change: (c: Json) => void): k8s.V1Deployment => {
  const copy = structuredClone(deployment);
  const first = copy.spec?.template.spec?.containers[0];
  if (first !== undefined) change(first as unknown as Json);
  return copy;
};

/** The value that follows `option` in the container's arguments. */
const arg = (option: string): string | undefined => args[args.indexOf(option) + 1];

describe('the worker manifests for Kubernetes', () => {
  it('are valid against the Kubernetes JSON schemas', () => {
    expect(() => {
      new Deployment(deployment as never).validate();
    }).not.toThrow();
    expect(() => {
      new Secret(secret as never).validate();
    }).not.toThrow();
    // The check has teeth: a wrong type or a missing required field is refused.
    const stringPeriod = withContainer((c) => {
      (c['livenessProbe'] as Json)['periodSeconds'] = 'often';
    });
    expect(() => {
      new Deployment(stringPeriod as never).validate();
    }).toThrow(/livenessProbe\/periodSeconds must be integer/);
    const noName = withContainer((c) => {
      delete c['name'];
    });
    expect(() => {
      new Deployment(noName as never).validate();
    }).toThrow(/name/);
  });

  it('use no field the Kubernetes API does not have', () => {
    expect(unknownFields(deployment, 'V1Deployment')).toEqual([]);
    expect(unknownFields(secret, 'V1Secret')).toEqual([]);
    const misspelt = withContainer((c) => {
      c['readinesProbe'] = c['readinessProbe'];
    });
    expect(unknownFields(misspelt, 'V1Deployment')).toEqual([
      '.spec.template.spec.containers[0].readinesProbe',
    ]);
  });

  it('give the worker its key from the Secret, and options `fleet worker` has', () => {
    const env = container.env ?? [];
    const key = env.find((e) => e.name === 'FLEET_KEY')?.valueFrom?.secretKeyRef;
    expect(key?.name).toBe(secret.metadata?.name);
    expect(Object.keys(secret.stringData ?? {})).toContain(key?.key);
    expect(env.map((e) => e.name)).toContain('NATS_URL');
    const worker = buildProgram().commands.find((c) => c.name() === 'worker');
    const options = new Set(worker?.options.map((o) => o.long));
    const used = args.filter((a) => a.startsWith('--'));
    expect(used.length).toBeGreaterThan(3);
    for (const option of used) expect(options).toContain(option);
  });

  it('probe the worker’s health endpoint on the port it serves, from outside the pod', () => {
    const port = container.ports?.find((p) => p.name === 'health');
    expect(port?.containerPort).toBe(Number(arg('--health-port')));
    expect(arg('--health-host')).toBe('0.0.0.0');
    expect(container.readinessProbe?.httpGet).toEqual({ path: '/healthz', port: 'health' });
    // Liveness must hold while the worker starts and drains: /livez, not the readiness path.
    expect(container.livenessProbe?.httpGet).toEqual({ path: '/livez', port: 'health' });
    expect(container.startupProbe?.httpGet).toEqual({ path: '/livez', port: 'health' });
  });

  it('let the worker drain on SIGTERM before the kubelet kills it', () => {
    const graceS = pod?.terminationGracePeriodSeconds ?? 0;
    const drain = arg('--drain-timeout');
    expect(drain).toBeDefined();
    const drainMs = parseDuration(drain ?? '', '--drain-timeout');
    expect(drainMs).toBeGreaterThan(30_000);
    expect(drainMs).toBeLessThan(graceS * 1000);
  });

  it('run as the image’s user, matching selector and labels', () => {
    const dockerfile = read('worker.Dockerfile');
    const user = /^USER (\d+):(\d+)$/m.exec(dockerfile);
    const security = pod?.securityContext;
    expect([String(security?.runAsUser), String(security?.runAsGroup)]).toEqual([
      user?.[1],
      user?.[2],
    ]);
    expect(security?.runAsNonRoot).toBe(true);
    expect(/^EXPOSE (\d+)$/m.exec(dockerfile)?.[1]).toBe(arg('--health-port'));
    const labels = deployment.spec?.template.metadata?.labels;
    expect(labels).toMatchObject(deployment.spec?.selector.matchLabels ?? { missing: true });
  });
});
