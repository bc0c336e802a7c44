import { describe, expect, it } from 'vitest';
import { createLogger } from './create-logger.ts';
import { scrubSecrets } from './scrub-secrets.ts';

const KEY_TOKEN = 'fk_k1a2b3_0123456789abcdefghijABCDEFGHIJ0123456789-_x';
const SEED = `SUA${'B'.repeat(55)}`;
const JWT = 'eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiJVQUJDIn0.c2lnbmF0dXJl';

const capture = (level = 'info') => {
  const lines: string[] = [];
  const log = createLogger({
    service: 'worker',
    level,
    write: (line) => lines.push(line),
    bindings: { project: 'alpha', pool: 'gpu' },
  });
  const records = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { log, lines, records };
};

describe('scrubSecrets', () => {
  it('replaces key tokens, seeds, JWTs and creds blocks, and leaves ids alone', () => {
    const creds = `-----BEGIN NATS USER JWT-----\n${JWT}\n------END NATS USER JWT------`;
    const text = `key ${KEY_TOKEN} seed ${SEED} jwt ${JWT} ${creds} task t-1 worker w_1`;
    const out = scrubSecrets(text);
    for (const secret of [KEY_TOKEN, SEED, JWT, 'BEGIN NATS']) expect(out).not.toContain(secret);
    expect(out).toContain('task t-1 worker w_1');
  });
});

describe('createLogger', () => {
  it('writes one JSON line per call, with the service and the ids as fields', () => {
    const { log, records } = capture();
    log.info({ taskId: 't-1', workerId: 'w1', attempt: 2 }, 'task t-1 attempt 2: completed');
    expect(records()).toEqual([
      expect.objectContaining({
        level: 30,
        service: 'worker',
        project: 'alpha',
        pool: 'gpu',
        taskId: 't-1',
        workerId: 'w1',
        attempt: 2,
        msg: 'task t-1 attempt 2: completed',
      }),
    ]);
  });

  it('never writes a secret: neither in fields named like one, nor in any text', () => {
    const { log, lines } = capture('trace');
    log.warn({ key: KEY_TOKEN, detail: { token: 'hud-operator-token' } }, 'enrolling');
    log.error({ error: `refused ${KEY_TOKEN}` }, `enrollment with ${KEY_TOKEN} refused`);
    log.info(`seed ${SEED} and ${JWT}`);
    expect(lines).toHaveLength(3);
    const all = lines.join('');
    for (const secret of [KEY_TOKEN, SEED, JWT, 'hud-operator-token'])
      expect(all).not.toContain(secret);
    expect(all).toContain('[redacted]');
  });

  it('writes nothing below its level', () => {
    const { log, lines } = capture('warn');
    log.info('quiet');
    log.warn('loud');
    expect(lines).toHaveLength(1);
  });
});
