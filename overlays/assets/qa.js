// The policy Q&A card: the question, the short answer and where it comes from.
import { fill, h } from '/web/lib/dom.js';
import { connect, t } from './overlay.js';

const stage = document.getElementById('stage');

function render(card) {
  if (!card) return fill(stage);
  fill(stage, h('div', { class: 'qa panel' }, h('div', { class: 'question' }, card.question), h('div', { class: 'answer' }, card.short), h('div', { class: 'source' }, `${t.source}：${card.source}`)));
}

connect({ state: (state) => render(state.qa), qa: render });
