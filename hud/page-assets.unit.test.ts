import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { loadPageAssets } from './index.ts';

// tsc checks the page's scripts as one scope made of every .js file of hud/page, while the
// browser runs only the files page.html names: a file missing from page.html would pass the
// type check and fail in the browser. So every file is inlined, once, and the hashes of the
// policy are those of what is inlined.

const PAGE = new URL('page/', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, PAGE), 'utf8');
const filesEndingIn = (extension: string) =>
  readdirSync(PAGE).filter((name) => name.endsWith(extension));
/** A file of an installed package, as Node resolves it from here. */
const packageFile = (name: string) =>
  readFileSync(createRequire(import.meta.url).resolve(name), 'utf8');
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64');
const occurrences = (text: string, part: string) => text.split(part).length - 1;

/** The text of the page's one `<style>` or `<script>`, and the page's policy. */
const inlined = (element: 'style' | 'script') => {
  const { html, csp } = loadPageAssets();
  expect(occurrences(html, `<${element}>`)).toBe(1);
  const text = new RegExp(`<${element}>([\\s\\S]*)</${element}>`).exec(html)?.[1] ?? '';
  return { text, csp };
};

describe('loadPageAssets', () => {
  it('inlines every script of hud/page once, in one scope, the one starting the page last', () => {
    const { text, csp } = inlined('script');
    expect(filesEndingIn('.js').length).toBeGreaterThan(1);
    for (const name of filesEndingIn('.js')) expect(occurrences(text, read(name))).toBe(1);
    expect(text.startsWith("'use strict';\n\n(() => {\n")).toBe(true);
    expect(text.endsWith(`${read('main.js')}})();\n`)).toBe(true);
    expect(csp).toContain(`script-src 'sha256-${sha256(text)}'`);
  });

  it('inlines the charting library, script and stylesheet, from its package, before the page', () => {
    const script = inlined('script').text;
    const library = packageFile('uplot/dist/uPlot.iife.min.js');
    expect(library).toMatch(/^\/\*! https:\/\/github\.com\/leeoniya\/uPlot \(v1\.6\.32\) \*\//);
    expect(occurrences(script, library)).toBe(1);
    expect(script.indexOf(library)).toBeLessThan(script.indexOf(read('charts.js')));
    const style = inlined('style').text;
    const css = packageFile('uplot/dist/uPlot.min.css');
    expect(occurrences(style, css)).toBe(1);
    // The page's own chart styles come after the library's, so they win.
    expect(style.indexOf(css)).toBeLessThan(style.indexOf(read('charts.css')));
  });

  it('inlines every stylesheet of hud/page once, hashed as inlined', () => {
    const { text, csp } = inlined('style');
    for (const name of filesEndingIn('.css')) expect(occurrences(text, read(name))).toBe(1);
    expect(csp).toContain(`style-src 'sha256-${sha256(text)}'`);
  });
});
