import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { P } from '../test/support/builders.ts';
import { cliFixture } from '../test/support/cli-fixture.ts';
import type { CliFixture } from '../test/support/cli-fixture.ts';

let cli: CliFixture;

beforeEach(async () => {
  cli = await cliFixture();
});
afterEach(() => cli.close());

describe('fleet up, fleet worker and fleet submit together', () => {
  it('runs a task end to end through a worker wrapping a shell command, then stops cleanly', async () => {
    const up = await cli.start(['up', '--pools', 'gpu,cpu'], { ready: /fleet is up/ });
    expect(up.stdout()).toMatch(/dispatchers: gpu, cpu/);
    expect(up.stdout()).toContain(inject('natsUrl'));

    const key = await cli.run('keys', 'create', '--project', P.health, '--pool', 'gpu');
    expect(key.code).toBe(0);
    const token = key.out.split('\n')[0] ?? '';

    // The key comes from the environment, as operators should pass it.
    const worker = await cli.start(
      [
        'worker',
        '--models',
        'llama',
        '--label',
        'vram=80',
        '--exec',
        // Echo the task, and report usage for the cost rollups.
        `cat; printf '{"tokensIn":7,"tokensOut":3,"costUsd":0.25}' > "$FLEET_USAGE_FILE"`,
        '--capacity',
        '2',
      ],
      { env: { FLEET_KEY: token }, ready: /claiming work/ },
    );
    expect(worker.stdout()).not.toContain(token);

    const submit = await cli.run(
      'submit',
      '--project',
      P.health,
      '--pool',
      'gpu',
      '--model',
      'llama',
      '--require',
      'vram>=40',
      '--payload',
      '{"n":1}',
      '--id',
      'e2e-1',
      '--wait',
      '--json',
    );
    expect(submit.code).toBe(0);
    expect(JSON.parse(submit.out)).toMatchObject({
      taskId: 'e2e-1',
      status: 'completed',
      // `cat` echoes the task it got on stdin.
      output: { taskId: 'e2e-1', project: P.health, pool: 'gpu', attempt: 1, payload: { n: 1 } },
      usage: { tokensIn: 7, tokensOut: 3, costUsd: 0.25 },
    });
    const costs = await cli.run('costs', '--project', P.health, '--json');
    expect(costs.code).toBe(0);
    expect(costs.out).toMatch(/"costUsd": 0\.25/);
    expect(worker.stdout()).toMatch(/task e2e-1 attempt 1: completed in \d+ ms/);

    // A signal drains the worker, which leaves; then `up` stops its actors.
    expect(await worker.stop()).toBe(0);
    expect(worker.stdout()).toMatch(/draining[\s\S]*left the pool/);
    expect(await up.stop()).toBe(0);
    expect(up.stdout()).toMatch(/stopped\n$/);
    const workers = await cli.run('workers', 'list', '--json');
    expect(workers.code).toBe(0);
    expect(JSON.parse(workers.out)).toMatchObject([{ status: 'left', labels: { vram: '80' } }]);
  });

  it('fails clearly when the worker’s key is missing or refused', async () => {
    const none = await cli.run('worker', '--exec', 'true');
    expect(none.code).toBe(2);
    expect(none.err).toBe('error [invalid_input]: a key is required: --key <token> or FLEET_KEY\n');
    await cli.start(['registrar'], { ready: /registrar running/ });
    const fake = `fk_k0123456789abcdef_${'a'.repeat(43)}`;
    const refused = await cli.run('worker', '--key', fake, '--exec', 'true');
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/^error \[refused\]: .*k0123456789abcdef/);
    expect(refused.err).not.toContain('a'.repeat(43));
  });
});
