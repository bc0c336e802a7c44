// @ts-check
// Building the page's elements. Every value from the stream is written as text (textContent,
// SVG attributes), never as HTML, since labels and details come from workers.
/* exported byId, h, svg, setText */

const SVG_NS = 'http://www.w3.org/2000/svg';

/** @param {string} id */
const byId = (id) => {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`missing #${id}`);
  return el;
};

/**
 * An element with a class and children (strings become text nodes).
 * @param {string} tag
 * @param {string} [className]
 * @param {...(Node | string | null | undefined)} children
 */
const h = (tag, className, ...children) => {
  const el = document.createElement(tag);
  if (className) el.className = className;
  for (const c of children) if (c !== null && c !== undefined) el.append(c);
  return el;
};

/**
 * An SVG element with attributes.
 * @param {string} tag
 * @param {Record<string, string | number>} [attrs]
 * @param {...(Node | string)} children
 */
const svg = (tag, attrs = {}, ...children) => {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c);
  return el;
};

/** @param {string} id @param {string} text */
const setText = (id, text) => {
  const el = byId(id);
  if (el.textContent !== text) el.textContent = text;
};
