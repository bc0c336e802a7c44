import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** The HUD page as served: one HTML document with its style and script inlined. */
export interface PageAssets {
  readonly html: string;
  /** Content-Security-Policy allowing exactly the inlined script and style, and nothing remote. */
  readonly csp: string;
}

const PAGE = new URL('page/', import.meta.url);
const resolvePackageFile = createRequire(import.meta.url).resolve;
/**
 * A file page.html names: one of the page's own (`charts.js`), or a file of an installed package
 * (`uplot/dist/uPlot.iife.min.js`), found as Node finds a module from here, so that it is found
 * in a checkout and in an installed copy of this package alike.
 */
const read = (name: string): string =>
  name.includes('/')
    ? readFileSync(resolvePackageFile(name), 'utf8')
    : readFileSync(new URL(name, PAGE), 'utf8');
const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('base64');

// A line of page.html naming one of its files: the indent, and the file's name (a name with a
// slash is a package's file: a name, then a path without `..`).
const STYLESHEET = /^([ \t]*)<link rel="stylesheet" href="((?:[\w-]+\/)*[\w.-]+\.css)" \/>\n/gm;
const SCRIPT = /^([ \t]*)<script src="((?:[\w-]+\/)*[\w.-]+\.js)"><\/script>\n/gm;

/**
 * Replaces the lines of `html` that match `tag` with one `element`, where the first stood,
 * holding the text of the files they name, joined by `join` in their order.
 */
const inlineFiles = (
  html: string,
  tag: RegExp,
  element: 'style' | 'script',
  join: (files: readonly string[]) => string,
): { readonly html: string; readonly text: string } => {
  const names = [...html.matchAll(tag)].map((match) => match[2] ?? '');
  if (names.length === 0) throw new Error(`page.html names no file for its <${element}>`);
  const text = join(names.map(read));
  let first = true;
  const out = html.replace(tag, (_line, indent: string) => {
    if (!first) return '';
    first = false;
    return `${indent}<${element}>${text}</${element}>\n`;
  });
  return { html: out, text };
};

/**
 * Reads `page/page.html` once and inlines the styles and scripts it names, so the page is one
 * response and needs nothing else: no CDN, no web font, no second request that would have to
 * carry the token. The charting library (uPlot) is such a file, read from its installed package. The scripts share one scope, as `page/tsconfig.json` checks them: they are
 * joined in their order into one function, which keeps their names out of the global scope.
 * The policy pins the inlined code by hash and lets the page connect only to its own origin.
 */
export const loadPageAssets = (): PageAssets => {
  const styled = inlineFiles(read('page.html'), STYLESHEET, 'style', (files) => files.join('\n'));
  const scripted = inlineFiles(
    styled.html,
    SCRIPT,
    'script',
    (files) => `'use strict';\n\n(() => {\n${files.join('\n')}})();\n`,
  );
  const csp = [
    "default-src 'none'",
    `script-src 'sha256-${sha256(scripted.text)}'`,
    `style-src 'sha256-${sha256(styled.text)}'`,
    "connect-src 'self'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { html: scripted.html, csp };
};
