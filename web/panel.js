// The phone control panel: one tap to feature a product, orders arriving live, the
// confirmation queue, chat to put on screen, stock, the goal, the adapter's state and previews.
import { io } from '/socket.io/socket.io.esm.min.js';
import { del, get, logout, patch, post, ready } from './lib/api.js';
import { $, carefulButton, fill, h } from './lib/dom.js';
import { CONNECTION, shanghai, shanghaiDate, STATUS, toFen, yuan } from './lib/format.js';

let rooms = [];
let room;
let products = [];
let featuredId = null;
const orders = new Map();

function toast(text) {
  const el = h('div', { class: 'toast', role: 'status' }, text);
  document.body.append(el);
  setTimeout(() => el.remove(), 2500);
}

async function act(work, done) {
  try {
    await work();
    if (done) toast(done);
  } catch (err) {
    toast(err.message);
  }
}

function drawState(connection) {
  const el = $('#state');
  el.textContent = CONNECTION[connection.state] ?? connection.state;
  el.className = `badge ${connection.state}`;
  el.title = connection.error ?? '';
  $('#toggle').textContent = room.enabled ? '断开' : '连接';
  $('#toggle').hidden = room.platform === 'push';
}

function drawProducts() {
  fill(
    $('#products'),
    products.map((p) =>
      h(
        'button',
        { type: 'button', class: p.id === featuredId ? 'product featured' : 'product', 'data-code': p.code, onclick: () => act(() => post(`/api/rooms/${room.id}/feature`, { productId: p.id })) },
        h('span', { class: 'code' }, `${p.code}号`),
        h('span', {}, p.name),
        h('span', { class: 'stock' }, `${yuan(p.priceFen)} · 库存 ${p.stock}`),
      ),
    ),
  );
  fill($('#stock-product'), products.map((p) => h('option', { value: p.id }, `${p.code}号 ${p.name}`)));
  syncStockInput();
}

function syncStockInput() {
  const p = products.find((x) => String(x.id) === $('#stock-product').value);
  if (p) $('#stock-value').value = p.stock;
}

function drawOrders() {
  const list = [...orders.values()].sort((a, b) => b.id - a.id).slice(0, 100);
  $('#order-count').textContent = `（${orders.size}）`;
  fill(
    $('#orders'),
    list.map((o) => {
      const line = o.lines[0];
      return h(
        'li',
        { 'data-order': o.id },
        h('span', { class: 'grow' }, `#${o.id} ${o.buyer.name}：${line.code}号 ${line.name} ×${line.qty} `, h('span', { class: 'badge' }, STATUS[o.status] ?? o.status)),
        o.status === 'held' ? h('button', { type: 'button', onclick: () => act(() => patch(`/api/orders/${o.id}`, { status: 'confirmed' })) }, '已付款') : null,
        o.status === 'held' || o.status === 'waitlisted' ? carefulButton(`cancel:${o.id}`, '取消', '确定取消？', () => act(() => patch(`/api/orders/${o.id}`, { status: 'cancelled' }), '已取消')) : null,
      );
    }),
  );
}

async function loadConfirmations() {
  const pending = await get(`/api/confirmations?roomId=${room.id}&status=pending&limit=50`);
  fill(
    $('#confirmations'),
    pending.length === 0 ? h('li', { class: 'muted' }, '没有待确认的弹幕') : null,
    pending.map((c) =>
      h(
        'li',
        {},
        h('span', { class: 'grow' }, `${c.buyer.name}：“${c.text}” → ${c.suggestion.code ?? '讲解中'}号 ×${c.suggestion.qty}`),
        h('button', { type: 'button', onclick: () => act(async () => { const r = await post(`/api/confirmations/${c.id}/accept`); if (r.refusal) toast(r.refusal.message); await loadConfirmations(); }) }, '确认下单'),
        h('button', { type: 'button', class: 'danger', onclick: () => act(async () => { await post(`/api/confirmations/${c.id}/reject`); await loadConfirmations(); }) }, '忽略'),
      ),
    ),
  );
}

/** Entries that can answer (approved, in force today), fetched at most once a minute, not per question. */
let answerable = { at: 0, entries: [] };
async function answerableEntries() {
  if (Date.now() - answerable.at > 60_000) {
    const today = shanghaiDate();
    const entries = await get('/api/policy/entries');
    answerable = {
      at: Date.now(),
      entries: entries.filter((e) => e.status === 'approved' && (!e.effectiveFrom || e.effectiveFrom <= today) && (!e.effectiveTo || today <= e.effectiveTo)),
    };
  }
  return answerable.entries;
}

/**
 * Each queued question's row, kept while it waits: a new question redraws the list, and the
 * official's half-typed answer or chosen entry must survive that.
 */
const questionRows = new Map();

/** Viewers who asked the very same question are answered together: say how many. */
const alsoAnswered = (copies) => (copies ? `（同样的问题另有 ${copies} 条一并回答）` : '');

function questionRow(q, entries) {
  // Platforms cut long chat lines (a danmaku holds a few dozen characters): the hint says so.
  const text = h('input', { placeholder: '回答（发到弹幕，40 字以内最好）', 'aria-label': '回答（发到弹幕，40 字以内最好）', maxlength: 2000, style: { flex: '1 1 12rem', minWidth: '0' } });
  const draft = h('input', { type: 'checkbox' });
  // A set width: otherwise a select is as wide as its longest option, whatever flex says.
  const entry = h('select', { 'aria-label': '用知识库条目回答', style: { flex: '1 1 12rem', width: '12rem', minWidth: '0' } });
  // The matcher's unsure pick first; the official may choose another entry that can answer.
  const offer = (list, chosen) => {
    const listed = list.some((e) => e.id === chosen);
    fill(entry, listed ? null : h('option', { value: '', selected: true }, '选择条目…'), list.map((e) => h('option', { value: e.id, selected: e.id === chosen }, `${e.title}：${e.short}`)));
  };
  offer(entries, q.entryId);
  const learn = h('input', { type: 'checkbox', checked: true });
  const answerWithEntry = async () => {
    if (!entry.value) throw new Error('请先选择条目');
    const r = await post(`/api/questions/${q.id}/answer`, { entryId: entry.value, learn: learn.checked });
    toast(`${learn.checked && !r.learned ? '已用条目回答（这个问法条目里已有，或条目问法已满）' : '已用条目回答'}${alsoAnswered(r.copies)}`);
    await loadQuestions();
  };
  const row = h(
    'li',
    { 'data-question': q.id },
    h('span', { class: 'grow' }, h('b', {}, q.asker.name), `：${q.text}`),
    h(
      'div',
      { class: 'row', style: { flexBasis: '100%', minWidth: '0' } },
      text,
      h('label', { class: 'row' }, draft, '存为草稿'),
      h('button', { type: 'button', class: 'primary', onclick: () => act(async () => { const r = await post(`/api/questions/${q.id}/answer`, { answer: text.value, saveDraft: draft.checked }); toast(`已回答${alsoAnswered(r.copies)}`); await loadQuestions(); }) }, '回答'),
    ),
    entries.length === 0
      ? null
      : h(
          'div',
          { class: 'row', style: { flexBasis: '100%', minWidth: '0' } },
          entry,
          h('label', { class: 'row', title: '把这个问法加进条目，下次直接回答' }, learn, '记住这个问法'),
          h('button', { type: 'button', onclick: () => act(answerWithEntry) }, '用条目回答'),
        ),
    h('button', { type: 'button', class: 'danger', onclick: () => act(async () => { const r = await post(`/api/questions/${q.id}/dismiss`); toast(`已忽略${r.copies ? `（同样的问题另有 ${r.copies} 条一并忽略）` : ''}`); await loadQuestions(); }) }, '忽略'),
  );
  // When the list of entries that can answer is fetched again, a waiting row offers the new one,
  // keeping the official's choice if it can still answer (never while the picker is open).
  let offeredAt = answerable.at;
  row.refresh = (list) => {
    if (offeredAt === answerable.at || document.activeElement === entry) return;
    offeredAt = answerable.at;
    offer(list, entry.value || q.entryId);
  };
  return row;
}

async function loadQuestions() {
  $('#qa-section').hidden = !room.qa;
  if (!room.qa) return;
  const [queued, topics, entries] = await Promise.all([
    get(`/api/questions?roomId=${room.id}&status=queued&limit=50`),
    get(`/api/questions/topics?roomId=${room.id}`),
    answerableEntries(),
  ]);
  const waiting = new Set(queued.map((q) => q.id));
  for (const [id, row] of questionRows) {
    if (waiting.has(id)) continue;
    row.remove();
    questionRows.delete(id);
  }
  const list = $('#questions');
  if (queued.length === 0) {
    fill(list, h('li', { class: 'muted' }, '没有待回答的问题'));
  } else {
    // In place: a row that stays is never detached, so the official's keyboard and picker stay open.
    for (const el of [...list.children]) if (!el.dataset.question) el.remove();
    queued.forEach((q, i) => {
      if (!questionRows.has(q.id)) questionRows.set(q.id, questionRow(q, entries));
      const row = questionRows.get(q.id);
      row.refresh(entries);
      if (list.children[i] !== row) list.insertBefore(row, list.children[i] ?? null);
    });
  }
  fill($('#topics'), topics.slice(0, 10).map((t) => h('li', {}, h('span', { class: 'grow' }, t.title), h('span', { class: 'badge' }, `${t.asked} 次`))));
}

async function loadChat() {
  const chat = await get(`/api/rooms/${room.id}/chat?limit=30`);
  fill(
    $('#chat'),
    chat.map((m) =>
      h('li', {}, h('span', { class: 'grow' }, h('b', {}, m.name), `：${m.text}`, h('span', { class: 'muted' }, ` ${shanghai(m.sentAt).slice(11)}`)),
        h('button', { type: 'button', onclick: () => act(() => post(`/api/rooms/${room.id}/featured-chat`, { name: m.name, text: m.text }), '已上屏') }, '上屏')),
    ),
  );
}

function drawPreviews() {
  fill(
    $('#previews'),
    Object.entries(room.overlays).map(([name, url]) => {
      const frame = h('iframe', { src: url, title: name, loading: 'lazy' });
      const box = h('div', { class: 'preview' }, frame);
      new ResizeObserver(() => (frame.style.transform = `scale(${box.clientWidth / 1920})`)).observe(box);
      return h('div', {}, box, h('div', { class: 'row' }, h('b', {}, name), h('input', { value: url, readonly: true, style: { flex: '1' }, onfocus: (e) => e.target.select() })));
    }),
  );
}

let selecting = 0;

async function selectRoom(id) {
  // A newer choice wins over a load still in flight.
  const mine = ++selecting;
  room = rooms.find((r) => r.id === id) ?? rooms[0];
  if (!room) return;
  localStorage.setItem('nongbo.room', String(room.id));
  socket.emit('follow', room.id);
  const [feature, recent, fresh] = await Promise.all([
    get(`/api/rooms/${room.id}/feature`),
    get(`/api/orders?roomId=${room.id}&limit=100`),
    get(`/api/rooms/${room.id}`),
  ]);
  if (mine !== selecting) return;
  room = fresh;
  featuredId = feature.product?.id ?? null;
  orders.clear();
  for (const o of recent) orders.set(o.id, o);
  $('#goal-value').value = (room.goalFen / 100).toFixed(2);
  drawState(room.connection);
  drawProducts();
  drawOrders();
  drawPreviews();
  await Promise.all([loadConfirmations(), loadChat(), loadQuestions()]);
}

const socket = io('/panel', { withCredentials: true });

await ready();
[rooms, products] = await Promise.all([get('/api/rooms'), get('/api/products')]);
fill($('#room'), rooms.map((r) => h('option', { value: r.id }, `${r.name}（${r.platformLabel}）`)));
const saved = Number(localStorage.getItem('nongbo.room'));
$('#room').value = String(rooms.some((r) => r.id === saved) ? saved : (rooms[0]?.id ?? ''));
await selectRoom(Number($('#room').value));

// While the server is away (restarting, the laptop's network gone) the badge says so, not the
// room's last state; once it is back, orders, stock and the room are read again (orders placed
// meanwhile included; the sales line follows with the next goal update).
let serverLost = false;
socket.on('disconnect', () => {
  serverLost = true;
  const el = $('#state');
  el.textContent = '连不上服务器';
  el.className = 'badge error';
  el.title = '与农播服务器的连接断开了，正在重连… / lost the connection to the server, reconnecting';
});
socket.on('connect', () => {
  if (!room) return;
  if (!serverLost) return socket.emit('follow', room.id);
  serverLost = false;
  // Stock and the goal moved meanwhile too: the stock form would otherwise offer a stale figure.
  void act(async () => {
    products = await get('/api/products');
    await selectRoom(room.id);
  });
});
socket.on('connect_error', (err) => err.message === 'unauthorized' && location.assign('/login?next=/panel'));
socket.on('order', (o) => {
  orders.set(o.id, o);
  drawOrders();
});
socket.on('stock', ({ productId, stock }) => {
  const p = products.find((x) => x.id === productId);
  if (p) {
    p.stock = stock;
    drawProducts();
  }
});
socket.on('feature', (card) => {
  featuredId = card?.id ?? null;
  drawProducts();
});
socket.on('connection', (c) => !serverLost && drawState(c));
socket.on('confirmation', () => loadConfirmations());
socket.on('question', () => loadQuestions());
socket.on('goal', (g) => ($('#sales').textContent = `本场已售 ${yuan(g.grossFen)}（${g.orders} 单）`));
// Quiet while the server is away: the badge already says so.
setInterval(() => room && !serverLost && loadChat().catch(() => {}), 5000);

$('#room').addEventListener('change', (e) => selectRoom(Number(e.target.value)));
$('#toggle').addEventListener('click', () =>
  act(async () => {
    room = await post(`/api/rooms/${room.id}/${room.enabled ? 'disconnect' : 'connect'}`);
    drawState(room.connection);
  }),
);
$('#clear').addEventListener('click', () => act(() => post(`/api/rooms/${room.id}/feature`, { code: null })));
$('#clear-qa').addEventListener('click', () => act(() => del(`/api/rooms/${room.id}/qa-card`), '问答卡已收起'));
$('#clear-chat').addEventListener('click', () => act(() => post(`/api/rooms/${room.id}/featured-chat`, {}), '弹幕卡已收起'));
$('#stock-product').addEventListener('change', syncStockInput);
$('#stock-form').addEventListener('submit', (e) => {
  e.preventDefault();
  act(async () => {
    const updated = await patch(`/api/products/${$('#stock-product').value}`, { stock: Number($('#stock-value').value) });
    products = products.map((p) => (p.id === updated.id ? updated : p));
    drawProducts();
  }, '库存已保存');
});
$('#goal-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const fen = toFen($('#goal-value').value);
  if (Number.isNaN(fen)) return toast('请输入金额，如 5000 或 5000.50');
  act(async () => (room = await patch(`/api/rooms/${room.id}`, { goalFen: fen })), '目标已保存');
});
for (const button of document.querySelectorAll('[data-test]')) {
  button.addEventListener('click', () => act(() => post(`/api/rooms/${room.id}/test-event`, { kind: button.dataset.test }), '已发送测试'));
}
$('#logout').addEventListener('click', () => logout());
