/**
 * The simulated live room: chat through the real pipeline while connected, nothing once
 * disconnected, and a generator that is repeatable for a seed and orders about one line in ten.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { parseOrder } from '../../src/orders/parser.ts';
import type { Connection } from '../../src/rooms/runtime.ts';
import { random, simulatedLine } from '../../plugins/simulator/chat.ts';
import { buildTestApp, call, setupShop } from '../helper.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

async function until<T>(fn: () => T | Promise<T>, ms = 5000, what = 'condition'): Promise<Truthy<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (value) return value as Truthy<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}

type RoomView = { connection: Connection; stats: { messages: number; orders: number; questions: number } };

describe('simulator room', () => {
  let app: App;
  beforeEach(async () => {
    app = await buildTestApp();
    await setupShop(app);
  });
  afterEach(() => app.close());

  const roomOf = async (id: number) => (await call(app, 'GET', `/api/rooms/${id}`)).body as RoomView;
  const ordersOf = async (id: number) => (await call(app, 'GET', `/api/orders?roomId=${id}`)).body as { messageId: string | null; buyer: { platform: string; userId: string }; lines: { code: string }[] }[];

  async function simulatorRoom(config: Record<string, unknown>) {
    const res = await call(app, 'POST', '/api/rooms', { name: '模拟直播间', platform: 'simulator', config });
    expect(res.status).toBe(201);
    const id = res.body.id as number;
    expect((await call(app, 'POST', `/api/rooms/${id}/feature`, { code: '5' })).status).toBe(200);
    return id;
  }

  it('produces chat and orders after connect, and stops producing on disconnect', async () => {
    const id = await simulatorRoom({ rate: 200, seed: 7 });
    expect((await roomOf(id)).stats.messages).toBe(0);

    const connected = await call(app, 'POST', `/api/rooms/${id}/connect`);
    expect(connected.status).toBe(200);
    expect(connected.body.enabled).toBe(true);
    await until(async () => (await roomOf(id)).connection.state === 'live', 3000, 'live');

    const busy = await until(async () => {
      const r = await roomOf(id);
      return r.stats.messages >= 60 && r.stats.orders >= 1 && r;
    }, 8000, 'messages and an order');
    expect(busy.stats.messages).toBeGreaterThanOrEqual(60);
    // Still going: the count keeps growing while connected.
    await until(async () => (await roomOf(id)).stats.messages > busy.stats.messages + 20, 3000, 'more messages');

    const orders = await ordersOf(id);
    expect(orders.length).toBeGreaterThanOrEqual(1);
    for (const o of orders) {
      expect(o.buyer.platform).toBe('simulator');
      expect(o.buyer.userId).toMatch(/^sim-\d+$/);
      expect(o.messageId).toMatch(new RegExp(`^sim:${id}:`));
      expect(['1', '3', '5', 'A1']).toContain(o.lines[0]!.code);
    }

    const disconnected = await call(app, 'POST', `/api/rooms/${id}/disconnect`);
    expect(disconnected.status).toBe(200);
    expect(disconnected.body.enabled).toBe(false);
    expect(disconnected.body.connection.state).toBe('stopped');
    // Messages already in the pipeline may still land; after that nothing more comes.
    await sleep(150);
    const settled = await roomOf(id);
    await sleep(500);
    const later = await roomOf(id);
    expect(later.connection.state).toBe('stopped');
    expect(later.stats).toEqual(settled.stats);
    expect(await ordersOf(id)).toHaveLength(settled.stats.orders);
  });

  it('stops after config.limit messages', async () => {
    const id = await simulatorRoom({ rate: 1000, seed: 3, limit: 25 });
    await call(app, 'POST', `/api/rooms/${id}/connect`);
    await until(async () => (await roomOf(id)).stats.messages >= 25, 5000, '25 messages');
    await sleep(300);
    const room = await roomOf(id);
    expect(room.stats.messages).toBe(25);
    expect(room.connection.state).toBe('live');
  });
});

describe('simulatedLine', () => {
  const codes = ['1', '3', '5', 'A1'];
  const lines = (seed: number, n: number, c: readonly string[] = codes) => {
    const rnd = random(seed);
    return Array.from({ length: n }, () => simulatedLine(rnd, c));
  };

  it('is deterministic for a seed and differs between seeds', () => {
    const a = lines(7, 300);
    expect(lines(7, 300)).toEqual(a);
    const b = lines(8, 300);
    expect(b).not.toEqual(a);
    // Not a constant stream either.
    expect(new Set(a.map((l) => l.text)).size).toBeGreaterThan(20);
    expect(new Set(a.map((l) => l.user.id)).size).toBeGreaterThan(50);
  });

  it('the PRNG is seeded and stays in [0, 1)', () => {
    const r1 = random(42);
    const r2 = random(42);
    const xs = Array.from({ length: 1000 }, () => r1());
    expect(Array.from({ length: 1000 }, () => r2())).toEqual(xs);
    for (const x of xs) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.4);
    expect(mean).toBeLessThan(0.6);
  });

  it.each([7, 1, 2024])('about one line in ten parses as an order (seed %i)', (seed) => {
    const set = new Set(codes);
    const parsed = lines(seed, 2000).map((l) => parseOrder(l.text, set));
    const orders = parsed.filter((p) => p.kind === 'order');
    const share = orders.length / parsed.length;
    expect(share).toBeGreaterThanOrEqual(0.05);
    expect(share).toBeLessThanOrEqual(0.2);
    // Orders that name a product name one of the cooperative's codes.
    for (const o of orders) {
      if (o.kind === 'order' && o.code !== null) expect(codes).toContain(o.code);
    }
  });

  it('orders from the codes it is given', () => {
    const set = new Set(['Z9']);
    const named = lines(11, 2000, ['Z9'])
      .map((l) => parseOrder(l.text, set))
      .flatMap((p) => (p.kind === 'order' && p.code !== null ? [p.code] : []));
    expect(named.length).toBeGreaterThan(20);
    expect(new Set(named)).toEqual(new Set(['Z9']));
  });
});
