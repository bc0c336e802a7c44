import { Argument } from 'commander';
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.ts';

/** `fleet completion <shell>`: a shell completion script, generated from the command tree. */
export const registerCompletion = (program: Command, ctx: CliContext): void => {
  program
    .command('completion')
    .description(
      'print a shell completion script: source <(fleet completion bash) (or zsh); fish: ' +
        'fleet completion fish > ~/.config/fish/completions/fleet.fish',
    )
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh', 'fish']))
    .action(async (shell: 'bash' | 'zsh' | 'fish') => {
      const { completionScript } = await import('../completion-script.ts');
      ctx.io.stdout(completionScript(program, shell));
    });
};
