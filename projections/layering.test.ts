import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// Projections read the log (log/) through the contract (events/); the actors and the client are
// other layers. TypeScript's own scanner finds every import, export-from and dynamic import.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const FORBIDDEN = ['actors', 'client'];

/**
 * Imports of actors/ (none of client/) that predate this check, file by file, each with why. The check fails on
 * any import not listed, and on a listed one that is gone, so the list only shrinks.
 */
const KNOWN: Readonly<Record<string, readonly string[]>> = {
};

const sourceFiles = (dir: string): string[] =>
  readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(dir, f).split(sep).join('/'))
    .sort();

/** The repository paths of the files a file imports (relative specifiers only). */
const importsOf = (file: string): string[] =>
  ts
    .preProcessFile(readFileSync(join(ROOT, file), 'utf8'), true, true)
    .importedFiles.map((f) => f.fileName)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) =>
      relative(ROOT, resolve(ROOT, dirname(file), spec))
        .split(sep)
        .join('/'),
    );

/** Which of `targets` are in a forbidden layer, each module once. */
const forbidden = (targets: readonly string[]): string[] => [
  ...new Set(targets.filter((target) => FORBIDDEN.includes(target.split('/')[0] ?? ''))),
];

/** What a file imports from a forbidden layer, each module once. */
const crossing = (file: string): string[] => forbidden(importsOf(file));

describe('projections import neither actors/ nor client/', () => {
  const files = sourceFiles('projections');

  it('finds the files and their imports', () => {
    // A walk or a scan that found nothing would pass everything below.
    expect(files).toContain('projections/audit/fold-audit-item.ts');
    expect(importsOf('projections/audit/fold-audit-item.ts')).toContain('events/index.ts');
    expect(importsOf('projections/start-projections.ts')).toContain('log/index.ts');
    expect(forbidden(['log/index.ts', 'actors/host/index.ts', 'client/index.ts'])).toEqual([
      'actors/host/index.ts',
      'client/index.ts',
    ]);
  });

  it('the audit, a second implementation of the rules, depends on the contract alone', () => {
    const audit = files.filter(
      (f) => f.startsWith('projections/audit/') && !f.endsWith('.test.ts'),
    );
    expect(audit.length).toBeGreaterThan(10);
    expect(audit.flatMap((f) => crossing(f).map((target) => `${f} -> ${target}`))).toEqual([]);
    // Nor on the pool's rule it checks: sharing it would make the audit agree by construction.
    const shared = audit.flatMap((f) => importsOf(f).filter((t) => t.startsWith('domain/')));
    expect(shared).toEqual([]);
  });

  it('the fleet state runs the pool’s rule from domain/, as the dispatcher does', () => {
    expect(importsOf('projections/fleet-state/fold-fleet.ts')).toContain('domain/pool/index.ts');
  });

  it('no other file does, beyond the known imports listed here', () => {
    const found = Object.fromEntries(
      files.map((f) => [f, crossing(f)] as const).filter(([, targets]) => targets.length > 0),
    );
    expect(found).toEqual(KNOWN);
  });
});
