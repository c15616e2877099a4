import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { auth, buildTestApp, call, say, setupShop, type Shop, tempDatabaseUrl } from '../helper.ts';

let app: App;
let shop: Shop;

beforeEach(async () => {
  app = await buildTestApp();
  shop = await setupShop(app);
});
afterEach(() => app.close());

const stockOf = async (code: string) => (await call(app, 'GET', `/api/products/${shop.products[code]!.id}`)).body.stock as number;
const ordersOf = async (query = '') => (await call(app, 'GET', `/api/orders?roomId=${shop.room.id}${query}`)).body as { id: number; status: string; lines: { code: string; qty: number }[] }[];

describe('chat messages become orders', () => {
  it('holds stock for an order, answers with the order and a chat reply, and lists it', async () => {
    const res = await say(app, shop.room.id, '买3号 2份', { user: 'bili-42', name: '张三' });
    expect(res.status).toBe(200);
    expect(res.body.accepted).toBe(true);
    expect(res.body.order).toMatchObject({
      roomId: shop.room.id,
      status: 'held',
      buyer: { platform: 'push', userId: 'bili-42', name: '张三' },
      lines: [{ productId: shop.products['3']!.id, code: '3', qty: 2, priceFen: 1999, grossFen: 3998 }],
    });
    expect(res.body.orders).toEqual([res.body.order]);
    expect(res.body.reply).toContain('@张三');
    expect(res.body.reply).toContain(`#${res.body.order.id}`);
    expect(new Date(res.body.order.holdExpiresAt).getTime() - Date.now()).toBeGreaterThan(29 * 60_000);
    expect(await stockOf('3')).toBe(98);
    expect((await ordersOf()).map((o) => o.id)).toEqual([res.body.order.id]);
  });

  it('records chatter without an order and counts it in the room stats', async () => {
    const res = await say(app, shop.room.id, '主播好！今天的蜂蜜甜吗');
    expect(res.body).toEqual({ accepted: true });
    await say(app, shop.room.id, '+1');
    const room = (await call(app, 'GET', `/api/rooms/${shop.room.id}`)).body;
    expect(room.stats).toEqual({ messages: 2, orders: 1, questions: 0 });
  });

  it('processes a message id once: a replay returns the first reply and changes nothing', async () => {
    const first = await say(app, shop.room.id, '买1号 3份', { id: 'dup-1', user: 'u1' });
    const again = await say(app, shop.room.id, '买1号 3份', { id: 'dup-1', user: 'u1' });
    const other = await say(app, shop.room.id, '买5号', { id: 'dup-1', user: 'u1' });
    expect(again.body).toEqual(first.body);
    expect(other.body).toEqual(first.body);
    expect(await stockOf('1')).toBe(97);
    expect(await ordersOf()).toHaveLength(1);
  });

  it('derives a stable id for a message without one, so a replay with the same time is still one message', async () => {
    const body = { user: { id: 'u9', name: '王' }, text: '买1号', ts: 1_790_000_000_000 };
    const a = await call(app, 'POST', `/api/rooms/${shop.room.id}/messages`, body);
    const b = await call(app, 'POST', `/api/rooms/${shop.room.id}/messages`, body);
    expect(b.body).toEqual(a.body);
    expect(await ordersOf()).toHaveLength(1);
  });

  it('sends +1 to the product featured at the message’s own time, not at processing time', async () => {
    const beforeAnything = Date.now() - 60_000;
    await new Promise((r) => setTimeout(r, 5));
    const whileFive = Date.now();
    await new Promise((r) => setTimeout(r, 5));
    await call(app, 'POST', `/api/rooms/${shop.room.id}/feature`, { code: 'A1' });

    const late = await say(app, shop.room.id, '+1', { ts: whileFive });
    expect(late.body.order.lines[0].code).toBe('5');
    const now = await say(app, shop.room.id, '来两份');
    expect(now.body.order.lines[0]).toMatchObject({ code: 'A1', qty: 2 });
    const early = await say(app, shop.room.id, '+1', { ts: new Date(beforeAnything).toISOString() });
    expect(early.body.refusal.code).toBe('no_featured_product');
    expect(early.body.order).toBeUndefined();

    await call(app, 'POST', `/api/rooms/${shop.room.id}/feature`, { code: null });
    expect((await say(app, shop.room.id, '+1')).body.refusal.code).toBe('no_featured_product');
    expect((await call(app, 'GET', `/api/rooms/${shop.room.id}/feature`)).body.product).toBeNull();
  });

  it('holds what stock covers and waitlists the rest as a second order', async () => {
    await call(app, 'PATCH', `/api/products/${shop.products['1']!.id}`, { stock: 3 });
    const res = await say(app, shop.room.id, '买1号 5份');
    expect(res.body.orders.map((o: { status: string; lines: { qty: number }[] }) => [o.status, o.lines[0]!.qty])).toEqual([
      ['held', 3],
      ['waitlisted', 2],
    ]);
    expect(res.body.order).toEqual(res.body.orders[0]);
    expect(res.body.reply).toContain('已排队');
    expect(await stockOf('1')).toBe(0);
  });

  it('never oversells: 300 parallel claims on a stock of 5 hold exactly 5', async () => {
    await call(app, 'PATCH', `/api/products/${shop.products['1']!.id}`, { stock: 5 });
    const replies = await Promise.all(Array.from({ length: 300 }, (_, i) => say(app, shop.room.id, '买1号', { user: `s${i}` })));
    expect(replies.every((r) => r.status === 200)).toBe(true);
    const all = await ordersOf('&limit=100000');
    const qty = (status: string) => all.filter((o) => o.status === status).reduce((a, o) => a + o.lines[0]!.qty, 0);
    expect([qty('held'), qty('waitlisted')]).toEqual([5, 295]);
    expect(await stockOf('1')).toBe(0);
  });

  it('refuses a huge message, an invalid timestamp, an unknown room and unknown fields, storing nothing', async () => {
    const post = (body: unknown, room = shop.room.id) => call(app, 'POST', `/api/rooms/${room}/messages`, body);
    const user = { id: 'u', name: '王' };
    expect((await post({ user, text: '买'.repeat(2001) })).body.error.code).toBe('VALIDATION_FAILED');
    expect((await post({ user, text: '买1号', ts: 'yesterday' })).body.error.code).toBe('MESSAGE_TIMESTAMP_INVALID');
    expect((await post({ user, text: '买1号', ts: Date.now() + 3 * 86_400_000 })).body.error.code).toBe('MESSAGE_TIMESTAMP_INVALID');
    expect((await post({ user, text: '买1号', ts: 12 })).body.error.code).toBe('MESSAGE_TIMESTAMP_INVALID');
    // Read as a day that does not exist, Date would move it to 2 March.
    expect((await post({ user, text: '买1号', ts: '2026-02-30T10:00:00+08:00' })).body.error.code).toBe('MESSAGE_TIMESTAMP_INVALID');
    expect((await post({ user, text: '买1号', colour: 1 })).body.error.code).toBe('VALIDATION_FAILED');
    expect((await post({ text: '买1号' })).body.error.code).toBe('VALIDATION_FAILED');
    expect((await post({ user, text: '买1号' }, 999)).status).toBe(404);
    expect(await ordersOf()).toEqual([]);
    expect(await stockOf('1')).toBe(100);
  });

  it('refuses numeric ids past 2^53: JSON numbers that large arrive rounded, and two messages or buyers would become one', async () => {
    // Written as raw JSON: these two ids differ, but both parse to 12345678901234567000.
    const raw = (id: string, userId: string, text: string) =>
      app.inject({
        method: 'POST',
        url: `/api/rooms/${shop.room.id}/messages`,
        headers: { ...auth, 'content-type': 'application/json' },
        payload: `{"id":${id},"user":{"id":${userId},"name":"王"},"text":"${text}"}`,
      });
    for (const [id, userId] of [['12345678901234567891', '1'], ['7', '1234567890123456789'], ['1e21', '1']]) {
      const res = await raw(id!, userId!, '买1号');
      expect([res.statusCode, res.json().error.code]).toEqual([400, 'VALIDATION_FAILED']);
    }
    expect(await ordersOf()).toEqual([]);
    // The largest exact integer is still an id.
    expect((await raw(String(Number.MAX_SAFE_INTEGER), String(Number.MAX_SAFE_INTEGER), '买1号')).json().order.id).toBeGreaterThan(0);
  });
});

describe('per-buyer limits', () => {
  it('refuses an order over the room’s quantity limit, and too many open orders in a session', async () => {
    await call(app, 'PATCH', `/api/rooms/${shop.room.id}`, { limits: { maxQtyPerOrder: 5, maxOpenOrdersPerBuyer: 2, orderMessagesPerSecond: 100 } });
    const big = await say(app, shop.room.id, '买1号 6份', { user: 'hoarder' });
    expect(big.body.refusal.code).toBe('qty_over_limit');
    await say(app, shop.room.id, '买1号', { user: 'hoarder' });
    await say(app, shop.room.id, '买3号', { user: 'hoarder' });
    const third = await say(app, shop.room.id, '买5号', { user: 'hoarder' });
    expect(third.body.refusal.code).toBe('too_many_open_orders');
    expect(third.body.reply).toContain('未付款的订单太多');
    expect((await say(app, shop.room.id, '买5号', { user: 'someone-else' })).body.order.status).toBe('held');
  });

  it('refuses order messages from a buyer flooding faster than the room allows', async () => {
    await call(app, 'PATCH', `/api/rooms/${shop.room.id}`, { limits: { orderMessagesPerSecond: 2 } });
    const replies = [];
    for (let i = 0; i < 4; i++) replies.push(await say(app, shop.room.id, '+1', { user: 'flooder' }));
    expect(replies.map((r) => r.body.refusal?.code ?? r.body.order.status)).toEqual(['held', 'held', 'flooding', 'flooding']);
  });

  it('does not count a redelivered message against the buyer: their next real order still goes through', async () => {
    await call(app, 'PATCH', `/api/rooms/${shop.room.id}`, { limits: { orderMessagesPerSecond: 2 } });
    const first = await say(app, shop.room.id, '+1', { id: 'r1', user: 'steady' });
    for (let i = 0; i < 3; i++) expect((await say(app, shop.room.id, '+1', { id: 'r1', user: 'steady' })).body).toEqual(first.body);
    expect((await say(app, shop.room.id, '+1', { id: 'r2', user: 'steady' })).body.order.status).toBe('held');
  });
});

describe('the life cycle', () => {
  const patch = (id: number, status: string) => call(app, 'PATCH', `/api/orders/${id}`, { status });

  it('allows only the life cycle’s steps', async () => {
    const { order } = (await say(app, shop.room.id, '买1号')).body;
    expect((await patch(order.id, 'shipped')).status).toBe(409);
    expect((await patch(order.id, 'expired')).status).toBe(409);
    expect((await patch(order.id, 'confirmed')).body.status).toBe('confirmed');
    expect((await patch(order.id, 'shipped')).body.status).toBe('shipped');
    expect((await patch(order.id, 'cancelled')).body.error).toMatchObject({ code: 'ORDER_STATUS_STEP', messageZh: '订单状态不能这样变更：已发货的订单不能改为已取消' });
    expect((await patch(order.id, 'completed')).body.status).toBe('completed');
    expect((await patch(order.id, 'held')).status).toBe(409);
    expect((await patch(order.id, 'lost')).status).toBe(400);
    expect((await patch(999_999, 'confirmed')).status).toBe(404);
  });

  it('gives cancelled stock to the waitlist, first come first served, splitting a larger claim', async () => {
    await call(app, 'PATCH', `/api/products/${shop.products['1']!.id}`, { stock: 2 });
    const holder = (await say(app, shop.room.id, '买1号 2份', { user: 'first' })).body.order;
    const w1 = (await say(app, shop.room.id, '买1号 1份', { user: 'second' })).body.order;
    const w2 = (await say(app, shop.room.id, '买1号 3份', { user: 'third' })).body.order;
    expect([w1.status, w2.status]).toEqual(['waitlisted', 'waitlisted']);

    await patch(holder.id, 'cancelled');
    const after = await ordersOf();
    const byId = new Map(after.map((o) => [o.id, o]));
    expect(byId.get(w1.id)).toMatchObject({ status: 'held', lines: [{ qty: 1 }] });
    // The third buyer wanted 3 and 1 was left: 1 is held as a new order, 2 keep their place in line.
    expect(byId.get(w2.id)).toMatchObject({ status: 'waitlisted', lines: [{ qty: 2 }] });
    const split = after.find((o) => o.id > w2.id)!;
    expect(split).toMatchObject({ status: 'held', lines: [{ code: '1', qty: 1 }] });
    expect(await stockOf('1')).toBe(0);
  });

  it('lets more stock added by hand go to the waitlist first', async () => {
    await call(app, 'PATCH', `/api/products/${shop.products['1']!.id}`, { stock: 0 });
    const waiting = (await say(app, shop.room.id, '买1号 2份')).body.order;
    expect(waiting.status).toBe('waitlisted');
    const product = (await call(app, 'PATCH', `/api/products/${shop.products['1']!.id}`, { stock: 10 })).body;
    expect(product.stock).toBe(8);
    expect((await call(app, 'GET', `/api/orders/${waiting.id}`)).body.status).toBe('held');
  });

  it('gives stock counted by hand to the oldest waiting buyers even while new orders pour in', async () => {
    await call(app, 'PATCH', `/api/rooms/${shop.room.id}`, { limits: { orderMessagesPerSecond: 1000, maxOpenOrdersPerBuyer: 10_000 } });
    await call(app, 'PATCH', `/api/products/${shop.products['1']!.id}`, { stock: 0 });
    const waiting = [];
    for (let i = 0; i < 5; i++) waiting.push((await say(app, shop.room.id, '买1号', { user: `early${i}` })).body.order.id as number);
    await Promise.all([
      ...Array.from({ length: 20 }, (_, i) => say(app, shop.room.id, '买1号', { user: `late${i}` })),
      call(app, 'PATCH', `/api/products/${shop.products['1']!.id}`, { stock: 2 }),
      ...Array.from({ length: 20 }, (_, i) => say(app, shop.room.id, '买1号', { user: `later${i}` })),
    ]);
    const held = (await ordersOf('&status=held')).map((o) => o.id).sort((a, b) => a - b);
    expect(held).toEqual(waiting.slice(0, 2));
    expect(await stockOf('1')).toBe(0);
  });

  it('keeps every acknowledged cancellation of a waiting order when stock arrives at the same moment', async () => {
    await call(app, 'PATCH', `/api/rooms/${shop.room.id}`, { limits: { orderMessagesPerSecond: 1000, maxOpenOrdersPerBuyer: 10_000 } });
    await call(app, 'PATCH', `/api/products/${shop.products['1']!.id}`, { stock: 0 });
    const waiting: number[] = [];
    for (let i = 0; i < 30; i++) waiting.push((await say(app, shop.room.id, '买1号', { user: `w${i}` })).body.order.id as number);
    const cancelled = waiting.filter((_, i) => i % 2 === 0);
    const results = await Promise.all([
      call(app, 'PATCH', `/api/products/${shop.products['1']!.id}`, { stock: 100 }),
      ...cancelled.map((id) => call(app, 'PATCH', `/api/orders/${id}`, { status: 'cancelled' })),
    ]);
    const acknowledged = cancelled.filter((_, i) => results[i + 1]!.status === 200);
    expect(acknowledged.length).toBeGreaterThan(0);
    const all = await ordersOf();
    const statusOf = new Map(all.map((o) => [o.id, o.status]));
    // An acknowledged cancellation stands; a cancel refused (it came after the order was held) leaves it held.
    for (const id of acknowledged) expect(statusOf.get(id)).toBe('cancelled');
    const held = all.filter((o) => o.status === 'held');
    expect(await stockOf('1')).toBe(100 - held.length);
    // The ledger claims exactly what is held: every claim without a reversal belongs to a held order.
    const tallies = (await call(app, 'GET', `/api/tallies?groupBy=product&roomId=${shop.room.id}`)).body as { orders: number }[];
    expect(tallies.reduce((n, t) => n + t.orders, 0)).toBe(held.length);
  });

  it('expires holds after the room’s hold time, returning stock to the waitlist', async () => {
    await call(app, 'PATCH', `/api/products/${shop.products['3']!.id}`, { stock: 1 });
    const held = (await say(app, shop.room.id, '买3号')).body.order;
    const waiting = (await say(app, shop.room.id, '买3号')).body.order;
    expect(await app.orders.expireDue(new Date(Date.now() + 29 * 60_000))).toBe(0);
    expect(await app.orders.expireDue(new Date(Date.now() + 31 * 60_000))).toBe(1);
    expect((await call(app, 'GET', `/api/orders/${held.id}`)).body.status).toBe('expired');
    expect((await call(app, 'GET', `/api/orders/${waiting.id}`)).body.status).toBe('held');
    expect(await stockOf('3')).toBe(0);
    // The hold the waitlisted order got starts when it got the stock, not when it queued.
    const { holdExpiresAt } = (await call(app, 'GET', `/api/orders/${waiting.id}`)).body;
    expect(new Date(holdExpiresAt).getTime()).toBeGreaterThan(Date.now() + 29 * 60_000);
  });
});

describe('the confirmation queue', () => {
  it('queues an ambiguous message; accepting places the order as of the message’s time', async () => {
    const res = await say(app, shop.room.id, '买3号2份送给我妈妈', { user: 'mum' });
    expect(res.body.order).toBeUndefined();
    expect(res.body.confirmation.suggestion).toEqual({ code: '3', qty: 2 });
    const pending = (await call(app, 'GET', `/api/confirmations?roomId=${shop.room.id}&status=pending`)).body;
    expect(pending).toEqual([expect.objectContaining({ id: res.body.confirmation.id, text: '买3号2份送给我妈妈', buyer: expect.objectContaining({ userId: 'mum' }) })]);

    const accepted = await call(app, 'POST', `/api/confirmations/${res.body.confirmation.id}/accept`, { qty: 1 });
    expect(accepted.body.orders).toEqual([expect.objectContaining({ status: 'held', origin: 'confirmation', lines: [expect.objectContaining({ code: '3', qty: 1 })] })]);
    expect((await call(app, 'POST', `/api/confirmations/${res.body.confirmation.id}/accept`)).status).toBe(409);
    expect((await call(app, 'GET', `/api/confirmations?status=pending`)).body).toEqual([]);
  });

  it('places one order when a queued message is accepted twice at the same moment', async () => {
    const confirmations = [];
    for (let i = 0; i < 10; i++) confirmations.push((await say(app, shop.room.id, '买3号2份送给我妈妈', { user: `mum${i}` })).body.confirmation.id as number);
    const results = await Promise.all(confirmations.flatMap((id) => [call(app, 'POST', `/api/confirmations/${id}/accept`), call(app, 'POST', `/api/confirmations/${id}/accept`)]));
    expect(results.filter((r) => r.status === 200)).toHaveLength(10);
    expect(results.filter((r) => r.status === 409).map((r) => r.body.error.code)).toEqual(Array(10).fill('CONFIRMATION_DECIDED'));
    expect(await ordersOf()).toHaveLength(10);
    expect(await stockOf('3')).toBe(100 - 20);
  });

  it('rejects a queued message without an order', async () => {
    const { confirmation } = (await say(app, shop.room.id, '买三')).body;
    expect((await call(app, 'POST', `/api/confirmations/${confirmation.id}/reject`)).status).toBe(204);
    expect((await call(app, 'POST', `/api/confirmations/${confirmation.id}/reject`)).status).toBe(409);
    expect(await ordersOf()).toEqual([]);
    expect((await call(app, 'POST', '/api/confirmations/9999/accept')).status).toBe(404);
  });
});

describe('the parser’s dry run', () => {
  it('parses against the cooperative’s codes and the featured product, storing nothing', async () => {
    const parse = (text: string) => call(app, 'POST', '/api/orders/parse', { roomId: shop.room.id, text });
    expect((await parse('买A1号 两份')).body).toEqual({ order: { code: 'A1', qty: 2 } });
    expect((await parse('+3')).body).toEqual({ order: { code: '5', qty: 3 } });
    expect((await parse('3号好吃吗')).body).toEqual({ order: null, reason: 'question' });
    expect((await parse('买三')).body).toEqual({ order: null, reason: 'ambiguous', suggestion: { code: '3', qty: 1 } });
    expect((await call(app, 'POST', '/api/orders/parse', { roomId: 999, text: '+1' })).status).toBe(404);
    expect(await ordersOf()).toEqual([]);
  });
});

describe('restarts', () => {
  it('keeps orders, stock and message ids across a restart in the middle of a session', async () => {
    await app.close();
    const databaseUrl = await tempDatabaseUrl();
    app = await buildTestApp({ databaseUrl });
    shop = await setupShop(app);
    const first = await say(app, shop.room.id, '买1号 2份', { id: 'before-restart' });
    await app.close();

    app = await buildTestApp({ databaseUrl });
    const replay = await say(app, shop.room.id, '买1号 2份', { id: 'before-restart' });
    expect(replay.body).toEqual(first.body);
    expect(await stockOf('1')).toBe(98);
    const after = await say(app, shop.room.id, '+1');
    expect(after.body.order.lines[0].code).toBe('5');
    expect(await ordersOf()).toHaveLength(2);
  });
});

describe('buyers', () => {
  it('are chat users keyed by platform and user id; contact details are added by the cooperative only', async () => {
    // A phone number typed into public chat is neither an order nor contact data.
    const typedPhone = (await say(app, shop.room.id, '买1号 我的电话13812345678', { user: 'viewer-7', name: '老王' })).body;
    expect(typedPhone.order).toBeUndefined();
    const b = (await say(app, shop.room.id, '买1号', { user: 'viewer-7', name: '王大哥' })).body;
    const user = (await call(app, 'GET', `/api/chat-users/${b.order.chatUserId}`)).body;
    expect(user).toMatchObject({ platform: 'push', platformUserId: 'viewer-7', displayName: '王大哥', contactPhone: null });

    const same = (await call(app, 'GET', '/api/chat-users?platform=push&platformUserId=viewer-7')).body;
    expect(same).toHaveLength(1);
    const patched = await call(app, 'PATCH', `/api/chat-users/${user.id}`, { contactName: '王建军', contactPhone: '13812345678', contactAddress: '贵州省雷岭县石板寨' });
    expect(patched.body).toMatchObject({ contactName: '王建军', contactPhone: '13812345678' });
    expect((await call(app, 'PATCH', `/api/chat-users/${user.id}`, { contactPhone: 'call me' })).status).toBe(400);
    expect((await call(app, 'PATCH', '/api/chat-users/99999', { contactName: 'x' })).status).toBe(404);
    // A nickname change later does not touch what the cooperative wrote.
    await say(app, shop.room.id, '+1', { user: 'viewer-7', name: '新昵称' });
    expect((await call(app, 'GET', `/api/chat-users/${user.id}`)).body).toMatchObject({ displayName: '新昵称', contactName: '王建军' });
  });
});
