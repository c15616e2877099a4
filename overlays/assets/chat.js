// A chat message the streamer picked, shown big.
import { fill, h } from '/web/lib/dom.js';
import { connect } from './overlay.js';

const stage = document.getElementById('stage');

function render(chat) {
  if (!chat) return fill(stage);
  fill(stage, h('div', { class: 'chat panel' }, chat.name ? h('span', { class: 'who' }, chat.name) : null, h('span', {}, chat.text)));
}

connect({ state: (state) => render(state.chat), chat: render });
