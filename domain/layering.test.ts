import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// The domain is the rules alone: it reads the contract (events/) and pure libraries, never a
// NATS client, the actors, the projections or the clock (time comes in as arguments).

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PURE_LIBRARIES = ['immer'];

const sourceFiles = (dir: string): string[] =>
  readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => join(dir, f).split(sep).join('/'))
    .sort();

/** What a file imports: repository paths for relative specifiers, package names otherwise. */
const importsOf = (file: string): string[] =>
  ts
    .preProcessFile(readFileSync(join(ROOT, file), 'utf8'), true, true)
    .importedFiles.map((f) => f.fileName)
    .map((spec) =>
      spec.startsWith('.')
        ? relative(ROOT, resolve(ROOT, dirname(file), spec))
            .split(sep)
            .join('/')
        : spec,
    );

const allowed = (target: string): boolean =>
  target.startsWith('domain/') || target.startsWith('events/') || PURE_LIBRARIES.includes(target);

describe('domain/ depends on the contract and pure libraries alone', () => {
  const files = sourceFiles('domain');

  it('finds the files and their imports', () => {
    expect(files).toContain('domain/pool/evolve.ts');
    expect(importsOf('domain/pool/evolve.ts')).toContain('immer');
  });

  it('imports nothing else', () => {
    const crossing = files.flatMap((f) =>
      importsOf(f)
        .filter((t) => !allowed(t))
        .map((t) => `${f} -> ${t}`),
    );
    expect(crossing).toEqual([]);
  });

  it('reads no clock', () => {
    const clocks = files.filter((f) =>
      /\bDate\.now\(|\bnew Date\(|performance\.now\(/.test(readFileSync(join(ROOT, f), 'utf8')),
    );
    expect(clocks).toEqual([]);
  });
});
