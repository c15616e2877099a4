/**
 * Crash safety: orders arrive at once through the API and through a live adapter (Twitch, whose
 * chat replies are the adapter's acknowledgements), the server is killed with SIGKILL at a random
 * moment, and restarted on the same database. Every acknowledged order is there exactly once,
 * stock and ledger agree with the orders, and replaying every message changes nothing.
 * `npm run soak` runs more rounds of the same.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeTwitch, type FakeTwitch } from './fakes/twitch.ts';
import { tempDir, until } from './helper.ts';
import { startServer, type Started } from './process.ts';

const TOKEN = 'crash-test-token';
const ROUNDS = Number(process.env.CRASH_ROUNDS ?? 2);
const STOCK = 1_000_000;

let server: Started | undefined;
let twitch: FakeTwitch | undefined;
afterEach(async () => {
  server?.proc.kill('SIGKILL');
  await twitch?.close();
  server = twitch = undefined;
});

async function api(base: string, method: string, url: string, body?: unknown) {
  const res = await fetch(base + url, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, body: (await res.json().catch(() => undefined)) as any };
}

describe('crash safety', () => {
  it.each(Array.from({ length: ROUNDS }, (_, i) => i + 1))('round %i: nothing acknowledged is lost or doubled by a SIGKILL', async () => {
    const dbDir = tempDir();
    const env = { ADMIN_TOKEN: TOKEN, DATABASE_URL: `file:${path.join(dbDir, 'nongbo.db')}`, LOG_LEVEL: 'warn' };
    twitch = await fakeTwitch();
    twitch.password = 'oauth:abcdefghijklmnop';
    server = await startServer(env);
    let base = server.base;

    const household = (await api(base, 'POST', '/api/households', { name: '陈家', povertyStatus: 'lifted' })).body;
    const product = (await api(base, 'POST', '/api/products', { code: '1', name: '土豆', unit: '斤', priceFen: 300, stock: STOCK, sources: [{ householdId: household.id, share: 1 }] })).body;
    const limits = { orderMessagesPerSecond: 1000, maxOpenOrdersPerBuyer: 10_000 };
    const push = (await api(base, 'POST', '/api/rooms', { name: '接口', platform: 'push', platformFeeRate: 0.05, limits })).body;
    const live = (await api(base, 'POST', '/api/rooms', {
      name: '直播',
      platform: 'twitch',
      limits,
      config: { channel: 'farm', url: twitch.url, token: 'abcdefghijklmnop', username: 'bot', moderator: true },
    })).body;
    await api(base, 'POST', `/api/rooms/${live.id}/feature`, { code: '1' });
    await api(base, 'POST', `/api/rooms/${live.id}/connect`);
    await until('twitch joined', () => twitch!.joined.size === 1, 15_000);

    // API orders: acknowledged when the reply arrives. Twitch orders: acknowledged when the bot's reply reaches chat.
    const acked = new Set<string>();
    let killed = false;
    let sent = 0;
    const apiWorker = async (w: number) => {
      for (let i = 0; !killed; i++) {
        const id = `api-${w}-${i}`;
        sent++;
        try {
          const r = await api(base, 'POST', `/api/rooms/${push.id}/messages`, { id, user: { id: `u${w}`, name: `买家${w}` }, text: '买1号 2份' });
          if (r.body?.order?.id !== undefined) acked.add(String(r.body.order.id));
        } catch {
          // refused connections once the server is gone
        }
      }
    };
    const chatter = setInterval(() => {
      for (let k = 0; k < 5; k++) {
        const n = sent++;
        twitch!.say('#farm', { id: `tw-${n}`, userId: `${900 + (n % 50)}`, login: `v${n % 50}`, display: `观众${n % 50}`, text: '+1' });
      }
    }, 5);
    const workers = Array.from({ length: 8 }, (_, w) => apiWorker(w));
    const killAt = 200 + Math.floor(Math.random() * 400);
    await until('enough acknowledgements', () => acked.size + twitch!.sent.length >= killAt, 30_000);
    server.proc.kill('SIGKILL');
    killed = true;
    clearInterval(chatter);
    await server.exit;
    await Promise.all(workers);
    for (const line of twitch.sent) {
      const number = /订单#(\d+)/.exec(line.text)?.[1];
      if (number) acked.add(number);
    }
    expect(acked.size).toBeGreaterThanOrEqual(killAt / 2);

    server = await startServer(env);
    base = server.base;
    const orders = (await api(base, 'GET', '/api/orders?limit=100000')).body as { id: number; messageId: string; roomId: number; lines: { qty: number }[]; status: string }[];
    const ids = new Set(orders.map((o) => String(o.id)));
    const lost = [...acked].filter((id) => !ids.has(id));
    expect(lost).toEqual([]);
    const perMessage = new Map<string, number>();
    for (const o of orders) perMessage.set(`${o.roomId}:${o.messageId}`, (perMessage.get(`${o.roomId}:${o.messageId}`) ?? 0) + 1);
    expect([...perMessage.values()].every((n) => n === 1)).toBe(true);

    // Stock and ledger agree with the orders.
    const held = orders.filter((o) => o.status === 'held').reduce((a, o) => a + o.lines[0]!.qty, 0);
    expect((await api(base, 'GET', `/api/products/${product.id}`)).body.stock).toBe(STOCK - held);
    const [tally] = (await api(base, 'GET', '/api/tallies?groupBy=product')).body;
    expect(tally.quantity).toBe(held);
    expect(tally.grossFen).toBe(held * 300);

    // Replaying every message id the API sent creates nothing new.
    const before = orders.length;
    for (let w = 0; w < 8; w++) {
      const replays = orders.filter((o) => o.messageId?.startsWith(`api-${w}-`)).slice(0, 20);
      for (const o of replays) await api(base, 'POST', `/api/rooms/${push.id}/messages`, { id: o.messageId, user: { id: `u${w}`, name: `买家${w}` }, text: '买1号 2份' });
    }
    expect((await api(base, 'GET', '/api/orders?limit=100000')).body).toHaveLength(before);
    server.proc.kill('SIGTERM');
    expect((await server.exit).code).toBe(0);
    server = undefined;
  }, 120_000);
});
