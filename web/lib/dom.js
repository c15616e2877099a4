// Building the DOM from data: text always goes in as text (textContent), never as markup, so a
// nickname or a product name full of <script> is shown, not run.

const SAFE_URL = /^(\/|https?:\/\/)/i;

/**
 * h('div', { class: 'card', onclick: fn }, 'text', child…): an element with attributes, event
 * handlers (functions only) and children (strings become text nodes).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else if (key === 'style' && typeof value === 'object') Object.assign(el.style, value);
    else if ((key === 'src' || key === 'href') && !SAFE_URL.test(String(value))) continue;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

/**
 * Direction overrides and isolates (U+202A–202E, U+2066–2069) and marks: a nickname ending in
 * U+202E would show the rest of its row backwards ("88号 ×1" as "1× 号88"). Text never needs them
 * here; letters of right-to-left scripts keep their own direction without them.
 */
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/** Text as shown: without direction controls (for the few places that set textContent themselves). */
export const shownText = (text) => String(text).replace(BIDI_CONTROLS, '');

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(shownText(child)));
  }
}

/** Replaces an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export const $ = (selector, root = document) => root.querySelector(selector);

/** When each careful button was armed to act, by key: a list redrawn in between keeps it armed. */
const armedUntil = new Map();
const ARMED_MS = 4000;

/**
 * A button for what cannot be undone (cancel an order, delete a household): the first tap turns
 * it into `confirmLabel`, a second tap within four seconds acts. No dialog: a phone held in one
 * hand while streaming taps twice on purpose, and a page never opens dialogs of its own.
 */
export function carefulButton(key, label, confirmLabel, action) {
  const armed = () => (armedUntil.get(key) ?? 0) > Date.now();
  const show = (on) => {
    button.textContent = on ? confirmLabel : label;
    button.classList.toggle('armed', on);
  };
  const button = h('button', {
    type: 'button',
    class: 'danger',
    onclick: (event) => {
      if (armed()) {
        armedUntil.delete(key);
        show(false);
        return action(event);
      }
      armedUntil.set(key, Date.now() + ARMED_MS);
      show(true);
      setTimeout(() => !armed() && show(false), ARMED_MS + 50);
    },
  });
  // Rebuilt while armed (the live order list redraws on every order): this button, not the one it
  // replaced, goes back to its label when the time is up.
  const left = (armedUntil.get(key) ?? 0) - Date.now();
  show(left > 0);
  if (left > 0) setTimeout(() => !armed() && show(false), left + 50);
  return button;
}
