// @ts-check
// Building the page's elements. Every value from the stream is written as text (textContent),
// never as HTML, since labels and details come from workers.
/* exported byId, h, setText */

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

/** @param {string} id @param {string} text */
const setText = (id, text) => {
  const el = byId(id);
  if (el.textContent !== text) el.textContent = text;
};
