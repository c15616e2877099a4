// The session's sales against its goal.
import { fill, h } from '/web/lib/dom.js';
import { connect, t, yuan } from './overlay.js';

const stage = document.getElementById('stage');
const amount = h('span');
const count = h('span');
const bar = h('div', { class: 'fill' });
const box = h('div', { class: 'goal panel' }, h('div', { class: 'label' }, h('span', {}, t.goal, ' ', amount), count), h('div', { class: 'track' }, bar));
fill(stage, box);

function render(goal) {
  box.classList.toggle('hidden', !goal || goal.goalFen <= 0);
  if (!goal || goal.goalFen <= 0) return;
  amount.textContent = `${yuan(goal.grossFen)} / ${yuan(goal.goalFen)}`;
  count.textContent = t.orders(goal.orders);
  bar.style.width = `${Math.min(100, (goal.grossFen / goal.goalFen) * 100).toFixed(1)}%`;
}

connect({ state: (state) => render(state.goal), goal: render });
