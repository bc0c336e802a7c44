import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decode } from '../events/index.ts';
import { WORKERS } from '../examples/multi-tenant/fleet-spec.ts';

/**
 * The contract's worked example (a task submitted from Python or Go) must run against the demo
 * as written: it asks for a project, pool and model that one of the demo's workers serves, and
 * it connects where the user's `NATS_URL` says — `fleet up` may well not be on 4222.
 */

const contract = readFileSync(
  fileURLToPath(new URL('../docs/contract.md', import.meta.url)),
  'utf8',
);
const section = contract.slice(
  contract.indexOf('## Worked example: submitting a task from Python or Go'),
  contract.indexOf('On a secure deployment'),
);
const block = (language: string): string => {
  const m = new RegExp('```' + language + '\\n([\\s\\S]*?)\\n```').exec(section);
  if (m?.[1] === undefined) throw new Error(`no ${language} block in the worked example`);
  return m[1];
};

/** The project, pool and models a program's source names, by the JSON keys it writes. */
const named = (source: string) => ({
  project: /"project":\s*"([^"]+)"/.exec(source)?.[1],
  pool: /"pool":\s*"([^"]+)"/.exec(source)?.[1],
  models: [...(/"models":[^\n]*/.exec(source)?.[0] ?? '').matchAll(/"([^"]+)"/g)]
    .map((m) => m[1])
    .filter((m) => m !== 'models'),
});

const servedByTheDemo = ({ project, pool, models }: ReturnType<typeof named>): boolean =>
  models.length > 0 &&
  WORKERS.some(
    (w) =>
      w.project === project &&
      w.pool === pool &&
      models.some((m) => (w.models as readonly string[]).includes(m ?? '')),
  );

describe('the worked example of the contract', () => {
  it('submits, in JSON, a valid task the demo’s workers serve', () => {
    const json = block('json');
    const asked = named(json);
    expect(servedByTheDemo(asked)).toBe(true);
    const decoded = decode(
      `fleet.${asked.project ?? ''}.${asked.pool ?? ''}.submit`,
      new TextEncoder().encode(json),
    );
    expect(decoded.ok).toBe(true);
  });

  it.each(['python', 'go'])('asks, in %s, for what the JSON asks, at NATS_URL', (language) => {
    const source = block(language);
    expect(named(source)).toEqual(named(block('json')));
    expect(source).toContain('NATS_URL');
    // 4222 only as the fallback when NATS_URL is not set, never as the only address.
    const connect = source.split('\n').filter((l) => /\.(connect|Connect)\(/.test(l));
    expect(connect.length).toBe(1);
    expect(connect[0]).not.toContain('4222');
  });
});
