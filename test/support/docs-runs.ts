/**
 * How test/docs-commands.e2e.test.ts runs the fenced shell commands of README.md and
 * docs/*.md, and the few it does not run, each with the reason and the test that covers it.
 * test/docs-commands.unit.test.ts checks that every fenced command is one or the other.
 */

/** Fenced commands not run by the docs test: shown text → why, naming the test that runs it. */
export const NOT_RUN: Readonly<Record<string, string>> = {
  'npm install && npm run demo':
    'installs the checkout (the machine’s setup); the demo is run by examples/multi-tenant.e2e.test.ts',
  'npm test': 'the whole suite, this test included',
  'fleet provisioner --pool gpu --templates templates.json':
    'launches through a container engine, Kubernetes or Lambda; cli/provisioner.engine.e2e.test.ts runs it on the engine of the container tier',
  'npm run example:load': 'two minutes of load; examples/load.e2e.test.ts runs it with 300 tasks',
  'npm run example:load -- --tasks 5000 --hud-port 7480':
    'the same at 5,000 tasks; examples/load.e2e.test.ts runs it with 300',
  'npm run example:load -- --watch':
    'waits for a person to open the HUD; examples/load.e2e.test.ts runs the example',
  'fleet up --secure':
    'its own nats-server on JWT auth; security/secure-cli.e2e.test.ts starts and stops it',
  'fleet up --secure [--worker-ttl 1h]':
    'its own nats-server on JWT auth; security/secure-cli.e2e.test.ts starts and stops it',
  'fleet up --cluster 3':
    'its own three clustered nats-servers; cli/up-cluster.e2e.test.ts starts and stops them',
  'fleet creds producer --project P':
    'secure mode only; security/creds-revoke.e2e.test.ts issues producer credentials',
  'fleet creds producer --project health-prod --out health-prod.creds [--ttl 24h]':
    'secure mode only; security/creds-revoke.e2e.test.ts runs it with --ttl and --out',
  'fleet creds list': 'secure mode only; security/creds-revoke.e2e.test.ts lists credentials',
  'fleet creds list [--json]':
    'secure mode only; security/creds-revoke.e2e.test.ts lists them, --json too',
  'fleet creds revoke P.creds':
    'secure mode only; security/creds-revoke.e2e.test.ts revokes by file and by key',
  'fleet creds revoke health-prod.creds':
    'secure mode only; security/creds-revoke.e2e.test.ts revokes by file and by key',
};

/**
 * Stand-ins for the words the docs show in place of values (`P`, `KEYID`, a file), filled in
 * by the docs test from the fleet it runs: the command run is the one shown, with these words
 * replaced. `[optional]` parts are run as if given; of `[a | b]` the last is run.
 */
export const STAND_INS = [
  'P',
  'POOL',
  'KEYID',
  'WORKERID',
  'ID',
  'TASKID',
  'fk_…',
  'python run_task.py',
  '@task.json',
  'tasks.ndjson',
  'C',
  'seq|time',
  '<seq|time>',
  'N',
  'TEXT',
  'D',
  'T',
  'P=T',
  '7480',
] as const;
export type StandIn = (typeof STAND_INS)[number];

/** Commands that run until stopped: what they print once running, and whether they stay up. */
export const LONG_RUNNING: Readonly<
  Record<string, { readonly ready: RegExp; readonly keep?: true }>
> = {
  up: { ready: /fleet is up/, keep: true },
  worker: { ready: /claiming work/, keep: true },
  dispatcher: { ready: /dispatcher of pool \S+ running/ },
  registrar: { ready: /registrar running/ },
  hud: { ready: /HUD at http/ },
  'events --follow': { ready: /following the log/ },
};

/** Exit codes other than 0 that a shown command has where the docs test runs it, and why. */
export const EXIT_CODES: Readonly<Record<string, { readonly code: number; readonly why: string }>> =
  {
    'fleet cancel TASKID [--project health-prod --pool gpu]': {
      code: 1,
      why: 'the task the docs submitted just before with --wait has completed, and cancelling an ended task exits 1, as documented',
    },
  };

/** `[a]` as `a`, and `[a | b]` as `b`: the optional parts of a synopsis, given. */
const expandBrackets = (text: string): string => {
  let out = '';
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i] ?? '';
    if (c !== '[') {
      out += c;
      continue;
    }
    let depth = 1;
    let j = i + 1;
    for (; j < text.length && depth > 0; j += 1) {
      if (text[j] === '[') depth += 1;
      if (text[j] === ']') depth -= 1;
    }
    const inner = expandBrackets(text.slice(i + 1, j - 1));
    out += inner.split(' | ').at(-1) ?? '';
    i = j - 1;
  }
  return out;
};

/** Shell words, quotes removed. */
const wordsOf = (text: string): string[] =>
  [...text.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');

/**
 * The `fleet` arguments and environment of a shown command, its stand-ins replaced by
 * `values`. Throws when the command is not a `fleet` command or a stand-in has no value yet.
 */
export const commandToRun = (
  text: string,
  values: Readonly<Partial<Record<StandIn, string>>>,
): { args: string[]; env: Record<string, string> } => {
  const fill = (word: string): string => {
    if (!(STAND_INS as readonly string[]).includes(word)) return word;
    const value = values[word as StandIn];
    if (value === undefined) throw new Error(`no value yet for ${word} in: ${text}`);
    return value;
  };
  const words = wordsOf(expandBrackets(text));
  const env: Record<string, string> = {};
  while (/^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0] ?? '')) {
    const [name = '', ...rest] = (words.shift() ?? '').split('=');
    env[name] = fill(rest.join('='));
  }
  if (words[0] === 'npx') words.shift();
  if (words.shift() !== 'fleet') throw new Error(`not a fleet command: ${text}`);
  return { args: words.map(fill), env };
};
