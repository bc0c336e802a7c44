import { pathToFileURL } from 'node:url';

/**
 * Runs `main` when the module at `moduleUrl` (its `import.meta.url`) is the script node was
 * started with, as `npm run example:…` does, and not when a test imports it. The exit code is
 * what `main` resolves with; if it throws, its message is printed and the code is 1.
 */
export const runAsScript = (moduleUrl: string, main: () => Promise<number>): void => {
  if (process.argv[1] === undefined || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    },
  );
};
