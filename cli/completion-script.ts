import type { Command } from 'commander';

/** The shells `fleet completion` writes a script for. */
export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** One command of the tree: its path below the program, subcommands, options and arguments. */
interface Node {
  /** Space-separated names below the program; '' for the program itself. */
  readonly path: string;
  readonly subs: readonly { name: string; description: string }[];
  readonly options: readonly {
    long: string | undefined;
    short: string | undefined;
    takesValue: boolean;
    description: string;
  }[];
  /** Choices of its first argument, when it has a fixed set. */
  readonly choices: readonly string[];
}

/** Every command of the tree, the program first, depth first. */
const nodesOf = (program: Command): Node[] => {
  const out: Node[] = [];
  const walk = (cmd: Command, path: string) => {
    out.push({
      path,
      subs: cmd.commands.map((c) => ({ name: c.name(), description: c.description() })),
      options: cmd.options
        .filter((o) => !o.hidden)
        .map((o) => ({
          long: o.long,
          short: o.short,
          takesValue: o.required || o.optional,
          description: o.description,
        })),
      choices: cmd.registeredArguments[0]?.argChoices ?? [],
    });
    for (const c of cmd.commands) walk(c, path === '' ? c.name() : `${path} ${c.name()}`);
  };
  walk(program, '');
  return out;
};

const flags = (n: Node, which: 'all' | 'value') =>
  n.options
    .filter((o) => which === 'all' || o.takesValue)
    .flatMap((o) => [o.long, o.short])
    .filter((f) => f !== undefined);

/** A bash `case` over command paths, each giving a word list. */
const bashCase = (nodes: readonly Node[], words: (n: Node) => readonly string[]) =>
  nodes.map((n) => `    '${n.path}') echo '${words(n).join(' ')}' ;;`).join('\n');

/** The bash script (zsh runs it through bashcompinit). */
const bash = (name: string, nodes: readonly Node[]): string => {
  const fn = `_${name.replace(/\W/g, '_')}`;
  return `# ${name} completion for bash: source <(${name} completion bash)
${fn}_subs() {
  case "$1" in
${bashCase(nodes, (n) => n.subs.map((s) => s.name))}
  esac
}
${fn}_opts() {
  case "$1" in
${bashCase(nodes, (n) => [...flags(n, 'all'), '--help'])}
  esac
}
${fn}_valued() {
  case "$1" in
${bashCase(nodes, (n) => flags(n, 'value'))}
  esac
}
${fn}_choices() {
  case "$1" in
${bashCase(nodes, (n) => n.choices)}
  esac
}
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" path="" w i
  # The command path: the words that name a subcommand of the path so far.
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    if [[ " $(${fn}_subs "$path") " == *" $w "* ]]; then path="\${path:+$path }$w"; fi
  done
  local valued=" $(${fn}_valued "$path") $(${fn}_valued '') "
  if [[ $prev == -* && $valued == *" $prev "* ]]; then
    COMPREPLY=($(compgen -f -- "$cur"))
  elif [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$(${fn}_opts "$path") $(${fn}_opts '')" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$(${fn}_subs "$path") $(${fn}_choices "$path")" -- "$cur"))
  fi
}
complete -F ${fn} ${name}
`;
};

/** Text in fish single quotes. */
const fishQuote = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

const fish = (name: string, nodes: readonly Node[]): string => {
  const fn = `__${name.replace(/\W/g, '_')}`;
  const lines = [
    `# ${name} completion for fish: ${name} completion fish > ~/.config/fish/completions/${name}.fish`,
    `function ${fn}_subs`,
    '    switch "$argv[1]"',
    ...nodes.flatMap((n) => [
      `        case ${fishQuote(n.path)}`,
      `            echo ${n.subs.map((s) => s.name).join(' ')}`,
    ]),
    '    end',
    'end',
    '# The command path: the words that name a subcommand of the path so far.',
    `function ${fn}_path`,
    '    set -l path',
    '    for w in (commandline -opc)[2..-1]',
    `        if contains -- $w (string split ' ' -- (${fn}_subs "$path"))`,
    '            set path (string trim -- "$path $w")',
    '        end',
    '    end',
    '    echo "$path"',
    'end',
    `function ${fn}_at`,
    `    set -l p (${fn}_path)`,
    '    test "$p" = "$argv[1]"',
    'end',
    `complete -c ${name} -f`,
  ];
  const global = nodes[0];
  for (const n of nodes) {
    const at = `-n ${fishQuote(`${fn}_at ${fishQuote(n.path)}`)}`;
    for (const s of n.subs)
      lines.push(`complete -c ${name} ${at} -a ${s.name} -d ${fishQuote(s.description)}`);
    for (const c of n.choices) lines.push(`complete -c ${name} ${at} -a ${fishQuote(c)}`);
    for (const o of n.options) {
      const names = [
        ...(o.long === undefined ? [] : [`-l ${o.long.replace(/^--/, '')}`]),
        ...(o.short === undefined ? [] : [`-s ${o.short.replace(/^-/, '')}`]),
      ].join(' ');
      // Global options hold everywhere; a command's only at its path.
      const where = n === global ? '' : `${at} `;
      lines.push(
        `complete -c ${name} ${where}${names}${o.takesValue ? ' -r -F' : ''} -d ${fishQuote(o.description)}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
};

/**
 * The completion script of `program` for `shell`, generated from its command tree: every
 * subcommand, option and argument choice it has, so a new command completes without editing
 * this. Bash and zsh complete subcommands, options (a command's and the global ones) and files
 * after an option that takes a value; fish the same, with descriptions.
 */
export const completionScript = (program: Command, shell: Shell): string => {
  const nodes = nodesOf(program);
  const name = program.name();
  switch (shell) {
    case 'bash':
      return bash(name, nodes);
    case 'zsh':
      return `#compdef ${name}\n# ${name} completion for zsh: source <(${name} completion zsh)\nautoload -U +X bashcompinit && bashcompinit\n${bash(name, nodes)}`;
    case 'fish':
      return fish(name, nodes);
    default: {
      const never: never = shell;
      return never;
    }
  }
};
