import type { Command, Option } from 'commander';

/**
 * Finds the commands the docs show and checks them against the real CLI program and
 * package.json, without running anything: a renamed subcommand or option, or an npm script that
 * no longer exists, fails a test instead of a reader.
 *
 * Shown commands are the shell lines of fenced blocks (no language, `sh`, `bash`, `shell`,
 * `console`) and the inline code spans, that start `fleet …`, `npx fleet …`, `npm run <script> …`
 * or `npm test`. In them `<placeholder>`s, `…` and `...` stand for anything, `[optional]` parts
 * are read as if given, `\` continues a line and ` #` starts a comment.
 */

/** One command line found in a document. */
export interface ShownCommand {
  readonly file: string;
  /** 1-based line where the command starts. */
  readonly line: number;
  /** The command as shown, on one line. */
  readonly text: string;
  /** Set for a line of a fenced shell block (not an inline code span). */
  readonly fenced?: true;
}

/** A word of a command line; a placeholder stands for any word(s). */
interface Word {
  readonly text: string;
  readonly placeholder: boolean;
  /** `|`, `;`, `&&` or `||` outside `[…]`: ends one command and starts the next. */
  readonly separator: boolean;
}

const SHELL_FENCES = new Set(['', 'sh', 'bash', 'shell', 'console']);
const PLACEHOLDER = '\u0000';

/** Drops a shell comment (` #…` outside quotes). */
const stripComment = (line: string): string => {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i += 1) {
    const c = line[i];
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1] ?? ''))) return line.slice(0, i);
  }
  return line;
};

/** Splits a shown command into words, marking placeholders and separators. */
const wordsOf = (text: string): Word[] => {
  const marked = text.replace(/<[^<>]*>/g, PLACEHOLDER);
  const words: Word[] = [];
  let depth = 0;
  for (const m of marked.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) {
    if (m[3] === undefined) {
      words.push({ text: m[1] ?? m[2] ?? '', placeholder: false, separator: false });
      continue;
    }
    let raw = m[3];
    while (raw.startsWith('[')) {
      depth += 1;
      raw = raw.slice(1);
    }
    let closes = 0;
    while (raw.endsWith(']')) {
      closes += 1;
      raw = raw.slice(0, -1);
    }
    if (raw !== '') {
      const separator = depth === 0 && ['|', ';', '&&', '||'].includes(raw);
      const placeholder = raw.includes(PLACEHOLDER) || raw === '…' || raw === '...';
      words.push({ text: raw, placeholder, separator });
    }
    depth = Math.max(0, depth - closes);
  }
  return words;
};

/** The commands of one shell line (split at `&&`, `;`, `|`), each as its words. */
const commandsOf = (text: string): Word[][] => {
  const out: Word[][] = [[]];
  for (const w of wordsOf(text)) {
    if (w.separator) out.push([]);
    else out[out.length - 1]?.push(w);
  }
  // Leading `NAME=value` assignments set the environment of the command that follows.
  return out
    .map((ws) => {
      let i = 0;
      while (i < ws.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(ws[i]?.text ?? '')) i += 1;
      return ws.slice(i);
    })
    .filter((ws) => ws.length > 0);
};

const isShown = (text: string): boolean =>
  commandsOf(text).some((ws) => {
    const [a, b] = ws.map((w) => w.text);
    return (
      a === 'fleet' ||
      (a === 'npx' && b === 'fleet') ||
      (a === 'npm' && ['run', 'test'].includes(b ?? ''))
    );
  });

/** Every command line shown in a Markdown document, in order. */
export const shownCommands = (file: string, markdown: string): ShownCommand[] => {
  const lines = markdown.split('\n');
  const out: ShownCommand[] = [];
  const prose: { line: number; text: string }[] = [];
  let fence: { marker: string; shell: boolean } | undefined;
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i] ?? '';
    const opening = /^\s*(`{3,}|~{3,})\s*([\w-]*)/.exec(line);
    if (fence === undefined && opening !== null) {
      fence = {
        marker: opening[1] ?? '```',
        shell: SHELL_FENCES.has((opening[2] ?? '').toLowerCase()),
      };
      continue;
    }
    if (fence !== undefined) {
      if (line.trim().startsWith(fence.marker)) {
        fence = undefined;
        continue;
      }
      if (!fence.shell) continue;
      const start = i;
      let text = stripComment(line);
      while (/\\\s*$/.test(text) && i + 1 < lines.length) {
        i += 1;
        text = `${text.replace(/\\\s*$/, ' ')}${stripComment(lines[i] ?? '')}`;
      }
      text = text.replace(/\s+/g, ' ').trim().replace(/^\$ /, '');
      if (isShown(text)) out.push({ file, line: start + 1, text, fenced: true });
      continue;
    }
    prose.push({ line: i + 1, text: line });
  }
  // Inline code spans, which may wrap onto the next line of their paragraph.
  const paragraphs: { line: number; text: string }[] = [];
  for (const p of prose) {
    const last = paragraphs[paragraphs.length - 1];
    if (p.text.trim() === '' || last === undefined || last.text === '')
      paragraphs.push({ line: p.line, text: p.text.trim() === '' ? '' : p.text });
    else last.text = `${last.text}\n${p.text}`;
  }
  for (const p of paragraphs) {
    for (const m of p.text.matchAll(/(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/g)) {
      const text = (m[2] ?? '').replace(/\\\|/g, '|').replace(/\s+/g, ' ').trim();
      if (!isShown(text)) continue;
      const line = p.line + p.text.slice(0, m.index).split('\n').length - 1;
      out.push({ file, line, text });
    }
  }
  return out.sort((a, b) => a.line - b.line);
};

const takesValue = (o: Option): boolean => o.required || o.optional;

/** Names an option goes by: `--pools`, `-h`. */
const flagsOf = (o: Option): string[] => [o.long, o.short].filter((f) => f !== undefined);

/**
 * What is wrong with one `fleet` command line (its words after `fleet`): an unknown
 * subcommand, or an option that neither the command nor its parents have. Empty when it holds.
 */
const checkFleet = (program: Command, words: Word[]): string[] => {
  const path: Command[] = [program];
  let cmd = program;
  const problems: string[] = [];
  const named = () => path.map((c) => c.name()).join(' ');
  for (let i = 0; i < words.length; i += 1) {
    const w = words[i];
    if (w === undefined) break;
    if (w.placeholder) {
      // A placeholder where a subcommand would be: the rest cannot be told apart.
      if (cmd.commands.length > 0) break;
      continue;
    }
    if (w.text.startsWith('-') && w.text !== '-' && w.text !== '--') {
      const flag = w.text.split('=')[0] ?? w.text;
      if (['--help', '-h'].includes(flag)) continue;
      const option = path.flatMap((c) => c.options).find((o) => flagsOf(o).includes(flag));
      if (option === undefined) {
        problems.push(`"${named()}" has no option ${flag}`);
        continue;
      }
      if (takesValue(option) && !w.text.includes('=')) i += 1;
      continue;
    }
    if (cmd.commands.length === 0) continue; // an argument of a leaf command
    const sub = cmd.commands.find((c) => c.name() === w.text || c.aliases().includes(w.text));
    if (sub === undefined) {
      const known = cmd.commands.map((c) => c.name()).join(', ');
      problems.push(`"${named()}" has no command "${w.text}" (it has ${known})`);
      break;
    }
    cmd = sub;
    path.push(sub);
  }
  return problems;
};

/**
 * What is wrong with one shown command line: checked against `program` (the real `fleet` CLI)
 * for `fleet …`, `npx fleet …` and `npm run fleet -- …`, and against `scripts` (package.json)
 * for `npm run <script>` and `npm test`. Empty when everything it names exists.
 */
export const commandProblems = (
  program: Command,
  scripts: Readonly<Record<string, string>>,
  text: string,
): string[] =>
  commandsOf(text).flatMap((ws) => {
    const [a, b, c] = ws.map((w) => w.text);
    if (a === 'fleet') return checkFleet(program, ws.slice(1));
    if (a === 'npx' && b === 'fleet') return checkFleet(program, ws.slice(2));
    if (a !== 'npm' || (b !== 'run' && b !== 'test')) return [];
    const script = b === 'test' ? 'test' : c;
    if (script === undefined || ws[2]?.placeholder === true) return [];
    if (!(script in scripts)) return [`package.json has no script "${script}"`];
    if (script !== 'fleet') return [];
    const dashes = ws.findIndex((w) => w.text === '--');
    return dashes < 0 ? [] : checkFleet(program, ws.slice(dashes + 1));
  });

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');

/** Text outside fenced code blocks. */
const outsideFences = (markdown: string): string =>
  markdown.replace(/^\s*(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\s*\1[^\n]*$/gm, '');

/** The anchors of a Markdown document's headings (a repeated heading gets `-1`, `-2`, …). */
export const anchorsOf = (markdown: string): Set<string> => {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of outsideFences(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(m[1] ?? '');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
};

/** The relative links of a Markdown document, `path#anchor` split (external ones left out). */
export const relativeLinks = (markdown: string): { path: string; anchor: string | undefined }[] =>
  [...outsideFences(markdown).matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1] ?? '')
    .filter((link) => !/^[a-z][a-z0-9+.-]*:/i.test(link))
    .map((link) => {
      const hash = link.indexOf('#');
      return hash < 0
        ? { path: link, anchor: undefined }
        : { path: link.slice(0, hash), anchor: link.slice(hash + 1) };
    });
