// The order ticker: each new order slides in; a burst is queued so every line stays readable.
import { fill, h } from '/web/lib/dom.js';
import { connect, t } from './overlay.js';

const stage = document.getElementById('stage');
const list = h('div', { class: 'ticker' });
fill(stage, list);

const VISIBLE = 5;
const SPACING_MS = 700;
const queue = [];
let timer = null;

function show(item) {
  list.prepend(h('div', { class: 'item panel' }, h('span', { class: 'who' }, item.buyer), h('span', { class: 'what' }, `${t.bought(item.qty)} ${t.code(item.code)} ${item.product}`)));
  while (list.children.length > VISIBLE) list.lastElementChild.remove();
}

function drain() {
  if (timer || queue.length === 0) return;
  show(queue.shift());
  timer = setTimeout(() => {
    timer = null;
    drain();
  }, SPACING_MS);
}

connect({
  state: (state) => {
    list.replaceChildren();
    queue.length = 0;
    for (const item of state.orders.slice(-VISIBLE)) show(item);
  },
  order: (item) => {
    queue.push(item);
    if (queue.length > 50) queue.splice(0, queue.length - 50);
    drain();
  },
});
