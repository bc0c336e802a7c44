import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { completionScript, SHELLS } from './completion-script.ts';
import { buildProgram } from './main.ts';

const program = buildProgram();

/** Every command below the program with its path, depth first. */
const commands = (cmd: Command, path: string[] = []): { path: string[]; cmd: Command }[] =>
  cmd.commands.flatMap((c) => [
    { path: [...path, c.name()], cmd: c },
    ...commands(c, [...path, c.name()]),
  ]);

describe('completionScript', () => {
  it('names every command and option of the tree, for every shell', () => {
    const all = commands(program);
    expect(all.map((c) => c.path.join(' '))).toEqual(
      expect.arrayContaining(['tasks', 'workers drain', 'completion', 'keys create']),
    );
    for (const shell of SHELLS) {
      const script = completionScript(program, shell);
      for (const { path, cmd } of all) {
        expect(script, `${shell}: ${path.join(' ')}`).toContain(`'${path.join(' ')}'`);
        for (const o of cmd.options)
          expect(script, `${shell}: ${path.join(' ')} ${o.long}`).toContain(
            shell === 'fish' ? `-l ${o.long?.slice(2)}` : `${o.long}`,
          );
      }
    }
  });

  it('gives the argument choices of a command and the global options', () => {
    const bash = completionScript(program, 'bash');
    expect(bash).toMatch(/^ {4}'completion'\) echo 'bash zsh fish' ;;$/m);
    expect(bash).toMatch(
      /^ {4}''\) echo '--version -V --nats --root --stream --creds --context --help' ;;$/m,
    );
    expect(bash).toMatch(/^complete -F _fleet fleet$/m);
    expect(completionScript(program, 'zsh')).toMatch(
      /^#compdef fleet\n.*\nautoload -U \+X bashcompinit/,
    );
    const fish = completionScript(program, 'fish');
    expect(fish).toContain(
      "complete -c fleet -n '__fleet_at \\'workers\\'' -a drain -d 'drain a worker:",
    );
    // A global option is offered at every depth: no condition.
    expect(fish).toMatch(/^complete -c fleet -l nats -r -F -d /m);
  });
});
