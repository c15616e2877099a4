// The cooperative's dashboard: income per household for a period (with a chart that marks
// 脱贫户 and 监测户), orders, households, products and their source shares, rooms, exports.
import { ApiError, del, get, logout, patch, post, put, ready } from './lib/api.js';
import { $, carefulButton, fill, h, shownText } from './lib/dom.js';
import { CONNECTION, POVERTY, shanghai, shanghaiDate, STATUS, toFen, yuan } from './lib/format.js';

function toast(text) {
  const el = h('div', { class: 'toast', role: 'status' }, text);
  document.body.append(el);
  setTimeout(() => el.remove(), 3000);
}

async function act(work, done) {
  try {
    await work();
    if (done) toast(done);
  } catch (err) {
    toast(err.message);
  }
}

const table = (el, head, rows) => fill(el, h('thead', {}, h('tr', {}, head.map(([text, cls]) => h('th', { class: cls }, text)))), h('tbody', {}, rows));
const poverty = (status) => (status === 'none' ? POVERTY.none : h('span', { class: `badge ${status}` }, POVERTY[status]));

/* tabs */
const loaders = {};
for (const tab of document.querySelectorAll('[data-tab]')) {
  tab.addEventListener('click', () => {
    for (const t of document.querySelectorAll('[data-tab]')) t.setAttribute('aria-selected', String(t === tab));
    for (const panel of document.querySelectorAll('[data-panel]')) panel.hidden = panel.dataset.panel !== tab.dataset.tab;
    loaders[tab.dataset.tab]?.();
  });
}

/* tallies */
function periodQuery() {
  const q = new URLSearchParams({ groupBy: 'household' });
  if ($('#from').value) q.set('from', $('#from').value);
  if ($('#to').value) {
    // The page says "to, inclusive"; the API's `to` is the exclusive start of the next day.
    const next = new Date(`${$('#to').value}T00:00:00Z`);
    next.setUTCDate(next.getUTCDate() + 1);
    q.set('to', next.toISOString().slice(0, 10));
  }
  if ($('#tally-room').value) q.set('roomId', $('#tally-room').value);
  return q;
}

function drawChart(rows) {
  const svg = $('#chart');
  const NS = 'http://www.w3.org/2000/svg';
  const el = (tag, attrs, text) => {
    const node = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = shownText(text);
    return node;
  };
  const sorted = [...rows].sort((a, b) => b.netFen - a.netFen);
  const max = Math.max(1, ...sorted.map((r) => r.netFen));
  const rowHeight = 28;
  const width = 900;
  svg.setAttribute('viewBox', `0 0 ${width} ${Math.max(1, sorted.length) * rowHeight + 10}`);
  svg.replaceChildren(
    ...sorted.flatMap((r, i) => {
      const y = i * rowHeight + 5;
      const w = Math.max(0, (r.netFen / max) * (width - 330));
      return [
        el('text', { x: 0, y: y + 18 }, `${r.householdName}${r.povertyStatus === 'none' ? '' : `（${POVERTY[r.povertyStatus]}）`}`),
        el('rect', { class: `bar ${r.povertyStatus}`, x: 180, y, width: w, height: rowHeight - 8, rx: 4 }),
        el('text', { x: 186 + w, y: y + 18 }, yuan(r.netFen)),
      ];
    }),
  );
}

async function loadTallies() {
  const q = periodQuery();
  const rows = await get(`/api/tallies?${q}`);
  const sum = (k) => rows.reduce((a, r) => a + r[k], 0);
  fill(
    $('#tally-summary'),
    `净收入合计 ${yuan(sum('netFen'))}，其中脱贫户 ${yuan(sum('liftedNetFen'))}、监测户 ${yuan(sum('monitoredNetFen'))}；已付款部分 ${yuan(sum('paidNetFen'))}。`,
  );
  drawChart(rows);
  table(
    $('#tallies'),
    [['农户'], ['类别'], ['订单数', 'num'], ['销售额', 'num'], ['平台费', 'num'], ['佣金', 'num'], ['净收入', 'num'], ['已付净收入', 'num']],
    rows.map((r) =>
      h('tr', {}, h('td', {}, r.householdName), h('td', {}, poverty(r.povertyStatus)), h('td', { class: 'num' }, r.orders),
        ...['grossFen', 'platformFeeFen', 'commissionFen', 'netFen', 'paidNetFen'].map((k) => h('td', { class: 'num' }, yuan(r[k])))),
    ),
  );
  const exportQuery = new URLSearchParams(q);
  $('#export-tallies-xlsx').href = `/api/exports/tallies.xlsx?${exportQuery}`;
  $('#export-tallies-csv').href = `/api/exports/tallies.csv?${exportQuery}`;
  exportQuery.delete('groupBy');
  $('#export-orders-xlsx').href = `/api/exports/orders.xlsx?${exportQuery}`;
}
loaders.tallies = loadTallies;
$('#period').addEventListener('submit', (e) => {
  e.preventDefault();
  act(loadTallies);
});

/* orders */
const ORDER_PAGE = 500;
/** How many of the newest orders the list shows: 更早的订单 adds a page. */
let orderLimit = ORDER_PAGE;
async function loadOrders() {
  const status = $('#order-status').value;
  const orders = await get(`/api/orders?limit=${orderLimit}${status ? `&status=${status}` : ''}`);
  table(
    $('#orders'),
    [['订单号'], ['时间'], ['买家'], ['商品'], ['数量', 'num'], ['金额', 'num'], ['状态'], ['']],
    orders.map((o) =>
      h('tr', { dataset: { orderId: o.id } }, h('td', {}, `#${o.id}`), h('td', {}, shanghai(o.createdAt)), h('td', {}, o.buyer.name),
        // An imported shop order can have several lines: each is shown, and the total.
        h('td', {}, o.lines.map((l) => h('div', {}, `${l.code}号 ${l.name}`))),
        h('td', { class: 'num' }, o.lines.map((l) => h('div', {}, l.qty))),
        h('td', { class: 'num' }, yuan(o.lines.reduce((sum, l) => sum + l.grossFen, 0))),
        h('td', {}, STATUS[o.status]), h('td', { class: 'actions' }, orderSteps(o))),
    ),
  );
  $('#orders-more').hidden = orders.length < orderLimit;
}
$('#orders-more').addEventListener('click', () => {
  orderLimit += ORDER_PAGE;
  act(loadOrders);
});

/** The next step of an order's life the cooperative takes by hand (paid, shipped, done), and cancelling. */
const NEXT_STEP = { held: ['confirmed', '已付款'], confirmed: ['shipped', '发货'], shipped: ['completed', '完成'] };
const CANCELLABLE = ['held', 'waitlisted', 'confirmed'];
/** Until when an order's buttons stay off after a step: the list redraws in milliseconds, a double tap takes hundreds. */
const settling = new Map();
const SETTLE_MS = 700;
function orderSteps(o) {
  // The next step's button takes the place of the one tapped when the list redraws: a double tap
  // must not mark an order paid and shipped at once, so the row's buttons wait a moment first.
  const step = (status, done, button) => {
    for (const b of button.closest('tr').querySelectorAll('button')) b.disabled = true;
    return act(async () => {
      try {
        await patch(`/api/orders/${o.id}`, { status });
      } finally {
        settling.set(o.id, Date.now() + SETTLE_MS);
        await loadOrders();
      }
    }, done);
  };
  const next = NEXT_STEP[o.status];
  const buttons = [
    next ? h('button', { type: 'button', onclick: (e) => step(next[0], `#${o.id} ${STATUS[next[0]]}`, e.currentTarget) }, next[1]) : null,
    CANCELLABLE.includes(o.status) ? carefulButton(`cancel-order:${o.id}`, '取消', '确定取消？', (e) => step('cancelled', `#${o.id} 已取消`, e.currentTarget)) : null,
  ].filter(Boolean);
  const wait = (settling.get(o.id) ?? 0) - Date.now();
  if (wait > 0) {
    for (const b of buttons) b.disabled = true;
    setTimeout(() => buttons.forEach((b) => (b.disabled = false)), wait);
  } else settling.delete(o.id);
  return buttons;
}
loaders.orders = loadOrders;
fill($('#order-status'), h('option', { value: '' }, '全部'), Object.entries(STATUS).map(([k, v]) => h('option', { value: k }, v)));
$('#order-filter').addEventListener('submit', (e) => {
  e.preventDefault();
  act(loadOrders);
});

/* households */
let households = [];
async function loadHouseholds() {
  households = await get('/api/households');
  table(
    $('#households'),
    [['编号'], ['姓名'], ['村组'], ['电话'], ['类别'], ['']],
    households.map((hh) =>
      h('tr', {}, h('td', {}, hh.id), h('td', {}, hh.name), h('td', {}, hh.village ?? ''), h('td', {}, hh.phone ?? ''), h('td', {}, poverty(hh.povertyStatus)),
        h('td', {}, carefulButton(`delete-household:${hh.id}`, '删除', '确定删除？', () => act(async () => { await del(`/api/households/${hh.id}`); await loadHouseholds(); }, '已删除')))),
    ),
  );
}
loaders.households = loadHouseholds;
$('#household-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const form = new FormData(e.target);
  act(async () => {
    await post('/api/households', {
      name: form.get('name'),
      village: form.get('village') || null,
      phone: form.get('phone') || null,
      povertyStatus: form.get('povertyStatus'),
    });
    e.target.reset();
    await loadHouseholds();
  }, '已添加农户');
});

/* products */
function sourceRow(source) {
  const select = h('select', { name: 'householdId' }, households.map((hh) => h('option', { value: hh.id }, `${hh.name}（${POVERTY[hh.povertyStatus]}）`)));
  if (source) select.value = String(source.householdId);
  return h('div', { class: 'row source' },
    h('label', {}, '供货农户', select),
    h('label', {}, '份额', h('input', { name: 'share', inputmode: 'decimal', value: String(source?.share ?? 1) })),
    h('button', { type: 'button', class: 'link', onclick: (e) => e.target.closest('.source').remove() }, '移除'));
}

/** The product being edited in the form, or undefined while it adds a new one. */
let editingProduct;
function editProduct(p) {
  editingProduct = p;
  const form = $('#product-form');
  for (const key of ['code', 'name', 'unit', 'stock']) form.elements[key].value = p[key];
  form.elements.price.value = yuan(p.priceFen).replace('¥', '');
  form.elements.story.value = p.story ?? '';
  fill($('#source-rows'), p.sources.map(sourceRow));
  $('#product-submit').textContent = `保存 ${p.code}号`;
  $('#product-cancel').hidden = false;
  $('#product-photo').hidden = false;
  form.scrollIntoView();
}
function newProduct() {
  editingProduct = undefined;
  const form = $('#product-form');
  form.reset();
  fill($('#source-rows'), sourceRow());
  $('#product-submit').textContent = '添加商品';
  $('#product-cancel').hidden = true;
  $('#product-photo').hidden = true;
}
$('#product-cancel').addEventListener('click', newProduct);
async function loadProducts() {
  // Fresh each time: a household added by someone else since must be offered as a source.
  households = await get('/api/households');
  if (!$('#source-rows').children.length) $('#source-rows').append(sourceRow());
  const products = await get('/api/products');
  table(
    $('#products'),
    [['照片'], ['编码'], ['名称'], ['价格', 'num'], ['库存', 'num'], ['供货农户（份额）'], ['']],
    products.map((p) =>
      // The photo's path on this server: PUBLIC_URL may name it differently from the address in the browser.
      h('tr', {}, h('td', {}, p.photoUrl ? h('img', { class: 'thumb', src: new URL(p.photoUrl).pathname, alt: '' }) : null), h('td', {}, p.code), h('td', {}, p.name),
        h('td', { class: 'num' }, `${yuan(p.priceFen)}/${p.unit}`), h('td', { class: 'num' }, p.stock),
        h('td', {}, p.sources.map((s) => h('div', {}, `${s.householdName} ×${s.share} `, s.povertyStatus === 'none' ? null : poverty(s.povertyStatus)))),
        h('td', { class: 'actions' },
          h('button', { type: 'button', onclick: () => editProduct(p) }, '编辑'),
          carefulButton(`delete-product:${p.id}`, '删除', '确定删除？', () => act(async () => {
            await del(`/api/products/${p.id}`);
            if (editingProduct?.id === p.id) newProduct();
            await loadProducts();
          }, '已删除')))),
    ),
  );
}
loaders.products = loadProducts;
$('#add-source').addEventListener('click', () => $('#source-rows').append(sourceRow()));
$('#product-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const form = new FormData(e.target);
  const priceFen = toFen(form.get('price'));
  if (Number.isNaN(priceFen)) return toast('价格请写成 29.90 这样的金额');
  const sources = [...document.querySelectorAll('#source-rows .source')].map((row) => ({
    householdId: Number($('select', row).value),
    share: Number($('input', row).value),
  }));
  if (sources.length === 0) return toast('至少要有一户供货农户');
  const editing = editingProduct;
  const stock = Number(form.get('stock'));
  const body = { code: form.get('code'), name: form.get('name'), unit: form.get('unit'), priceFen, story: form.get('story') || null, sources };
  // Stock is sent only when it was changed here: chat keeps selling while the form is open, and
  // sending the number the form loaded would give back stock already held for buyers.
  if (!editing || stock !== editing.stock) body.stock = stock;
  act(async () => {
    if (editing) await patch(`/api/products/${editing.id}`, body);
    else await post('/api/products', body);
    // The households first: the empty form's source row offers them.
    await loadProducts();
    newProduct();
  }, editing ? '已保存' : '已添加商品');
});
$('#product-photo-file').addEventListener('change', (e) => {
  const file = e.target.files[0];
  const product = editingProduct;
  if (!file || !product) return;
  act(async () => {
    const body = new FormData();
    body.append('photo', file);
    const res = await fetch(`/api/products/${product.id}/photo`, { method: 'POST', credentials: 'same-origin', headers: { 'x-csrf-token': await ready() }, body });
    const json = await res.json().catch(() => undefined);
    if (!res.ok) throw new ApiError(res.status, json);
    e.target.value = '';
    await loadProducts();
  }, '照片已更新');
});

/* rooms */
async function loadRooms() {
  const rooms = await get('/api/rooms');
  const connect = (r, how, done) =>
    act(async () => {
      await post(`/api/rooms/${r.id}/${how}`);
      await loadRooms();
      // Connecting takes a moment: look again once it has had one.
      if (how === 'connect') setTimeout(() => act(loadRooms), 3000);
    }, done);
  table(
    $('#rooms'),
    [['直播间'], ['平台'], ['费率'], ['问答'], ['状态'], ['商品卡地址（OBS）'], ['']],
    rooms.map((r) =>
      h('tr', {}, h('td', {}, r.name), h('td', {}, r.platformLabel), h('td', {}, `平台 ${(r.platformFeeRate * 100).toFixed(1)}% · 佣金 ${(r.commissionRate * 100).toFixed(1)}%`),
        h('td', {}, r.qa ? '政策问答' : '—'),
        // The reason in the row itself: a phone cannot show a hover title.
        h('td', {}, CONNECTION[r.connection.state] ?? r.connection.state, r.connection.error ? h('div', { class: 'muted small' }, r.connection.error) : null),
        h('td', {}, h('input', { value: r.overlays.product, readonly: true, style: { width: '100%' } })),
        // A push room takes messages at any time: there is nothing to connect.
        h('td', { class: 'actions' }, r.platform === 'push' ? null
          : r.enabled ? h('button', { type: 'button', onclick: () => connect(r, 'disconnect', '已断开') }, '断开')
            : h('button', { type: 'button', onclick: () => connect(r, 'connect', '正在连接') }, '连接'))),
    ),
  );
  // Kept as chosen: the list is redrawn after a room connects.
  const chosen = $('#tally-room').value;
  fill($('#tally-room'), h('option', { value: '' }, '全部'), rooms.map((r) => h('option', { value: r.id }, r.name)));
  $('#tally-room').value = rooms.some((r) => String(r.id) === chosen) ? chosen : '';
}
loaders.rooms = () => {
  act(loadRooms);
  if (platforms.length === 0) act(loadPlatforms);
};

/** What each room setting is called here; any other is shown by its own name. */
const SETTING = {
  roomId: '房间号', key: '身份码 key', uid: '用户 uid', url: '服务地址 url', channel: '频道名', username: '机器人账号', token: '令牌 token',
  moderator: '是否管理员', secret: '签名密钥 secret', liveChatId: '直播聊天 ID', apiKey: 'API key', accessToken: '访问令牌', rate: '每秒弹幕数',
  seed: '随机种子', limit: '弹幕总数', heartbeatMs: '心跳间隔（毫秒）', pingMs: '心跳间隔（毫秒）',
};
let platforms = [];
async function loadPlatforms() {
  platforms = await get('/api/platforms');
  const select = $('#room-platform');
  fill(select, platforms.map((p) => h('option', { value: p.platform }, `${p.label}（${p.platform}）`)));
  select.value = platforms.some((p) => p.platform === 'simulator') ? 'simulator' : platforms[0]?.platform;
  drawSettings();
}
function settingInput(field) {
  // new-password: a browser must not fill in the admin token it saved at login.
  const attrs = { name: field.key, 'data-type': field.type, required: field.required, autocomplete: field.secret ? 'new-password' : 'off' };
  if (field.type === 'boolean') return h('input', { ...attrs, type: 'checkbox', required: false });
  if (field.type === 'integer' || field.type === 'number') return h('input', { ...attrs, inputmode: 'numeric' });
  return h('input', { ...attrs, type: field.secret ? 'password' : 'text' });
}
function drawSettings() {
  const platform = platforms.find((p) => p.platform === $('#room-platform').value);
  const label = (field) => h('label', {}, SETTING[field.key] ?? field.key, settingInput(field));
  const required = platform?.config.filter((f) => f.required) ?? [];
  const optional = platform?.config.filter((f) => !f.required) ?? [];
  fill($('#room-settings'),
    required.length ? h('div', { class: 'row' }, required.map(label)) : null,
    optional.length ? h('details', {}, h('summary', {}, '更多设置（可不填）'), h('div', { class: 'row' }, optional.map(label))) : null);
}
$('#room-platform').addEventListener('change', drawSettings);

/** The platform's settings as the API takes them: blanks left out, numbers as numbers. */
function readSettings() {
  const config = {};
  for (const input of document.querySelectorAll('#room-settings input')) {
    if (input.dataset.type === 'boolean') {
      if (input.checked) config[input.name] = true;
      continue;
    }
    const value = input.value.trim();
    if (value === '') continue;
    if (input.dataset.type === 'integer' || input.dataset.type === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new Error(`${SETTING[input.name] ?? input.name} 要填数字`);
      config[input.name] = n;
    } else config[input.name] = value;
  }
  return config;
}
/** A percentage typed as 5 or 5.5 to the fraction the API takes. */
function rate(text, what) {
  const value = text.trim() === '' ? 0 : Number(text);
  if (!Number.isFinite(value) || value < 0 || value > 100) throw new Error(`${what}要在 0 到 100 之间`);
  return Math.round(value * 100) / 10_000;
}
$('#room-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const form = e.target;
  act(async () => {
    await post('/api/rooms', {
      name: form.elements.name.value,
      platform: form.elements.platform.value,
      config: readSettings(),
      platformFeeRate: rate(form.elements.fee.value, '平台费率'),
      commissionRate: rate(form.elements.commission.value, '佣金比例'),
      qa: form.elements.qa.checked,
    });
    form.reset();
    $('#room-platform').value = platforms.some((p) => p.platform === 'simulator') ? 'simulator' : platforms[0]?.platform;
    drawSettings();
    await loadRooms();
  }, '已新建直播间');
});

/* policy knowledge base */
let editing;
async function loadPolicy() {
  const entries = await get('/api/policy/entries');
  table(
    $('#kb'),
    [['编号'], ['标题'], ['简短回答'], ['来源'], ['状态'], ['']],
    entries.map((e) =>
      h('tr', {}, h('td', {}, e.id), h('td', {}, e.title), h('td', {}, e.short), h('td', {}, e.source),
        h('td', {}, h('span', { class: e.status === 'approved' ? 'badge live' : 'badge' }, e.status === 'approved' ? '已审核' : '草稿')),
        // Fresh from the server: the moderation queue may have taught it a question since the list loaded.
        h('td', {}, h('button', { type: 'button', onclick: () => act(async () => edit(await get(`/api/policy/entries/${encodeURIComponent(e.id)}`))) }, '编辑'))),
    ),
  );
}
function edit(entry) {
  editing = entry;
  const form = $('#kb-edit');
  form.hidden = false;
  $('#kb-edit-id').textContent = entry.id;
  for (const key of ['title', 'status', 'source', 'short', 'answer']) form.elements[key].value = entry[key];
  form.elements.questions.value = entry.questions.join('\n');
  // The viewers' words the queue taught it: the official reviews them here, and deletes a line to unlearn it.
  const learned = $('#kb-learned');
  learned.hidden = true;
  get(`/api/policy/entries/${encodeURIComponent(entry.id)}/learned`).then((questions) => {
    if (editing !== entry || questions.length === 0) return;
    learned.textContent = `其中从问答队列学来的观众问法（删去一行即不再学）：${questions.join('；')}`;
    learned.hidden = false;
  }, () => {});
  form.scrollIntoView();
}
loaders.policy = () => {
  act(loadPolicy);
  // Once: opening the tab again must not overwrite what the official is typing.
  if (!wordsLoaded) act(loadWords);
};

/* the official's words: local names for policy terms, and subjects the knowledge base leaves to them */
let wordsLoaded = false;
async function loadWords() {
  const form = $('#kb-words');
  // Saving before the lists arrive would send empty ones and erase the official's words.
  form.elements.save.disabled = true;
  const [synonyms, outside] = await Promise.all([get('/api/policy/synonyms'), get('/api/policy/outside')]);
  form.elements.synonyms.value = Object.entries(synonyms.custom).map(([word, terms]) => `${word}=${terms.join('，')}`).join('\n');
  form.elements.outside.value = outside.custom.join('\n');
  $('#kb-builtin').textContent = `内置本地说法 ${Object.keys(synonyms.builtIn).length} 条、不管的话题 ${outside.builtIn.length} 个（如 ${outside.builtIn.slice(0, 4).join('、')}），不必再填。`;
  form.elements.save.disabled = false;
  wordsLoaded = true;
}

/**
 * The two lists as the API takes them, or an error naming the line (the server's limits, checked
 * here first so that neither list is saved when either is wrong).
 */
function readWords(form) {
  const synonyms = {};
  form.elements.synonyms.value.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const [word, terms = ''] = line.split(/[=＝]/, 2).map((part) => part.trim());
    const list = terms.split(/[,，、]/).map((t) => t.trim()).filter(Boolean);
    if (!word || list.length === 0) throw new Error(`本地说法第 ${i + 1} 行要写成“俗称=知识库用语”`);
    if ([...word].length > 20 || list.length > 10 || list.some((t) => [...t].length > 40)) throw new Error(`本地说法第 ${i + 1} 行太长：俗称不超过20字，用语不超过10个、每个不超过40字`);
    synonyms[word] = list;
  });
  const outside = [];
  form.elements.outside.value.split('\n').forEach((line, i) => {
    const word = line.trim();
    if (!word) return;
    if ([...word].length < 2 || [...word].length > 20) throw new Error(`不管的话题第 ${i + 1} 行要两到二十个字`);
    outside.push(word);
  });
  return { synonyms, outside };
}

$('#kb-words').addEventListener('submit', (e) => {
  e.preventDefault();
  const form = e.target;
  act(async () => {
    const { synonyms, outside } = readWords(form);
    // The outside list first: the server still refuses a question word (怎么) there, and then nothing is saved.
    await put('/api/policy/outside', { custom: outside });
    await put('/api/policy/synonyms', { custom: synonyms });
    await loadWords();
  }, '词表已保存');
});
$('#kb-cancel').addEventListener('click', () => ($('#kb-edit').hidden = true));
$('#kb-edit').addEventListener('submit', (e) => {
  e.preventDefault();
  const form = e.target;
  const { id, ...rest } = editing;
  const body = {
    ...rest,
    title: form.elements.title.value,
    status: form.elements.status.value,
    source: form.elements.source.value,
    short: form.elements.short.value,
    answer: form.elements.answer.value,
    questions: form.elements.questions.value.split('\n').map((q) => q.trim()).filter(Boolean),
  };
  for (const key of ['region', 'effectiveFrom', 'effectiveTo']) if (body[key] === null) delete body[key];
  act(async () => {
    await put(`/api/policy/entries/${encodeURIComponent(id)}`, body);
    form.hidden = true;
    await loadPolicy();
  }, '已保存');
});
$('#kb-import').addEventListener('submit', (e) => {
  e.preventDefault();
  const file = $('#kb-file').files[0];
  act(async () => {
    const text = await file.text();
    const isCsv = file.name.toLowerCase().endsWith('.csv');
    const res = await fetch('/api/policy/import', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': isCsv ? 'text/csv' : 'application/json', 'x-csrf-token': await ready() },
      body: text,
    });
    const json = await res.json();
    if (!res.ok) throw new Error(json?.error?.messageZh ? `${json.error.messageZh}（${json.error.message}）` : `HTTP ${res.status}`);
    toast(`已导入 ${json.imported} 条`);
    await loadPolicy();
  });
});
$('#kb-ask').addEventListener('submit', (e) => {
  e.preventDefault();
  act(async () => {
    const r = await get(`/api/policy/ask?q=${encodeURIComponent($('#kb-q').value)}`);
    $('#kb-answer').textContent = r.answered ? `${r.short}（${r.source}，匹配度 ${r.score}）` : `不回答（匹配度 ${r.score}）`;
  });
});

/* exports */
async function loadExports() {
  const [{ schedule }, files] = await Promise.all([get('/api/exports/schedule'), get('/api/exports/files')]);
  $('#cron').value = schedule?.cron ?? '0 22 * * *';
  $('#retain').value = schedule?.retain ?? 14;
  $('#schedule-state').textContent = schedule ? `已启用：每当 “${schedule.cron}”（北京时间）导出，文件列在下面` : '未启用。导出的文件会列在下面，可随时下载';
  fill($('#files'), files.map((f) => h('li', {}, h('span', { class: 'grow' }, f.name), h('span', { class: 'muted' }, shanghai(f.createdAt)), h('a', { class: 'button', href: `/api/exports/files/${encodeURIComponent(f.name)}`, download: f.name }, '下载'))));
}
loaders.exports = loadExports;
$('#schedule-form').addEventListener('submit', (e) => {
  e.preventDefault();
  act(async () => {
    await put('/api/exports/schedule', { schedule: { cron: $('#cron').value.trim(), kinds: ['orders.xlsx', 'tallies.xlsx'], retain: Number($('#retain').value) } });
    await loadExports();
  }, '已保存');
});
$('#schedule-off').addEventListener('click', () => act(async () => { await put('/api/exports/schedule', { schedule: null }); await loadExports(); }, '已停用'));
$('#run-now').addEventListener('click', () => act(async () => { await post('/api/exports/run', {}); await loadExports(); }, '已导出'));

$('#logout').addEventListener('click', () => logout());

await ready();
const today = shanghaiDate();
$('#from').value = `${today.slice(0, 8)}01`;
$('#to').value = today;
await loadRooms();
await act(loadTallies);
