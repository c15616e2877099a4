// 讲解中: the featured product, its price, stock, households and how to order it.
import { fill, h } from '/web/lib/dom.js';
import { connect, t, yuan } from './overlay.js';

const stage = document.getElementById('stage');
let card = null;

function render() {
  if (!card) return fill(stage);
  const farmers = card.households.map((hh) => (hh.povertyStatus === 'none' ? hh.name : `${hh.name}（${t[hh.povertyStatus]}）`)).join('、');
  const photo = card.photoUrl ? h('img', { class: 'photo', src: card.photoUrl, alt: '' }) : h('div', { class: 'photo' }, [...card.name][0] ?? '');
  fill(
    stage,
    h(
      'div',
      { class: 'card panel' },
      photo,
      h(
        'div',
        { class: 'body' },
        h('span', { class: 'tag' }, `${t.featured} · ${t.code(card.code)}`),
        h('div', { class: 'name' }, card.name),
        h('div', { class: 'price' }, yuan(card.priceFen), h('small', {}, ` ${t.per} ${card.unit}`)),
        h('div', { class: card.stock > 0 ? 'stock' : 'stock out' }, card.stock > 0 ? t.stock(card.stock, card.unit) : t.soldOut),
        farmers ? h('div', { class: 'farmers' }, `${t.from} ${farmers}`) : null,
        card.story ? h('div', { class: 'story' }, card.story) : null,
        h('div', { class: 'cta' }, t.cta(card.code)),
      ),
    ),
  );
}

connect({
  state: (state) => {
    card = state.featured;
    render();
  },
  feature: (next) => {
    card = next;
    render();
  },
  stock: ({ productId, stock }) => {
    if (card && card.id === productId) {
      card.stock = stock;
      render();
    }
  },
});
