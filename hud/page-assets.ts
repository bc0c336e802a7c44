import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** The HUD page as served: one HTML document with its style and script inlined. */
export interface PageAssets {
  readonly html: string;
  /** Content-Security-Policy allowing exactly the inlined script and style, and nothing remote. */
  readonly csp: string;
}

const read = (name: string): string => readFileSync(new URL(name, import.meta.url), 'utf8');
const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('base64');

/**
 * Reads `page.html`, `page.css` and `page.js` once and inlines the last two, so the page is
 * one response and needs nothing else: no CDN, no web font, no second request that would have
 * to carry the token. The policy pins the inlined code by hash and lets the page connect only
 * to its own origin.
 */
export const loadPageAssets = (): PageAssets => {
  const css = read('page.css');
  const js = read('page.js');
  const html = read('page.html')
    .replace('<link rel="stylesheet" href="page.css" />', () => `<style>${css}</style>`)
    .replace('<script src="page.js"></script>', () => `<script>${js}</script>`);
  const csp = [
    "default-src 'none'",
    `script-src 'sha256-${sha256(js)}'`,
    `style-src 'sha256-${sha256(css)}'`,
    "connect-src 'self'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { html, csp };
};
