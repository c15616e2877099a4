import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { CLAIMING, type OrderStatus } from '../../src/orders/order.ts';
import { buildTestApp, call, say, setupShop, type Shop } from '../helper.ts';

let app: App;
let shop: Shop;

beforeEach(async () => {
  app = await buildTestApp();
  // Limits high enough that no order is refused for speed: the walk must go the same way on either engine.
  shop = await setupShop(app, { stock: 5, room: { limits: { orderMessagesPerSecond: 1000, maxOpenOrdersPerBuyer: 10_000 } } });
});
afterEach(() => app.close());

interface Listed {
  id: number;
  liveSessionId: number | null;
  status: OrderStatus;
  lines: { grossFen: number }[];
}

/** The goal bar's figures summed from the orders themselves, as the API lists them. */
async function summed(liveSessionId: number): Promise<{ grossFen: number; orders: number }> {
  const orders = (await call(app, 'GET', `/api/orders?roomId=${shop.room.id}&limit=100000`)).body as Listed[];
  const counting = orders.filter((o) => o.liveSessionId === liveSessionId && CLAIMING.includes(o.status));
  return { grossFen: counting.reduce((a, o) => a + o.lines.reduce((b, l) => b + l.grossFen, 0), 0), orders: counting.length };
}

/** A small deterministic generator, so a failure replays the same way. */
function random(seed: number) {
  let s = seed;
  return (n: number) => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    // The high bits: an LCG's low bits repeat with a short period.
    return Math.floor((s / 2 ** 31) * n);
  };
}

describe('the live session’s sales (the goal bar)', () => {
  it('stay equal to the sum of its claiming orders through claims, waitlists, splits, steps, restocks and expiry', async () => {
    const pick = random(7);
    const codes = Object.keys(shop.products);
    // Mostly a step the life cycle allows, sometimes one it refuses: the figures must hold either way.
    const next: Partial<Record<OrderStatus, OrderStatus[]>> = {
      held: ['confirmed', 'cancelled', 'expired'],
      waitlisted: ['cancelled', 'confirmed'],
      confirmed: ['shipped', 'cancelled'],
      shipped: ['completed', 'cancelled'],
      completed: ['held'],
    };
    let checks = 0;
    const reached = new Set<OrderStatus | undefined>();
    for (let step = 0; step < 160; step++) {
      const action = pick(10);
      if (action < 5) {
        await say(app, shop.room.id, `买${codes[pick(codes.length)]}号 ${1 + pick(4)}份`, { user: `u${pick(12)}` });
      } else if (action < 8) {
        const orders = (await call(app, 'GET', `/api/orders?roomId=${shop.room.id}&limit=100000`)).body as Listed[];
        // Half the time one already on its way, so that walks reach shipped and completed too.
        const onTheirWay = orders.filter((o) => o.status === 'confirmed' || o.status === 'shipped');
        const pool = onTheirWay.length && pick(2) ? onTheirWay : orders;
        const order = pool[pick(pool.length)];
        const steps = order && next[order.status];
        if (steps) reached.add((await call(app, 'PATCH', `/api/orders/${order.id}`, { status: steps[pick(steps.length)] })).body.status);
      } else if (action < 9) {
        await call(app, 'PATCH', `/api/products/${shop.products[codes[pick(codes.length)]!]!.id}`, { stock: pick(7) });
      } else if (pick(3) === 0) {
        await app.orders.expireDue(new Date(Date.now() + 31 * 60_000));
      }
      if (step % 20 === 19) {
        const sales = await app.store.sessionSales(shop.room.id);
        expect(sales.liveSessionId).not.toBeNull();
        expect({ grossFen: sales.grossFen, orders: sales.orders }).toEqual(await summed(sales.liveSessionId!));
        checks++;
      }
    }
    const final = await app.store.sessionSales(shop.room.id);
    // The walk did reach every kind of change that moves the figures.
    const all = (await call(app, 'GET', `/api/orders?roomId=${shop.room.id}&limit=100000`)).body as Listed[];
    for (const o of all) reached.add(o.status);
    reached.delete(undefined);
    expect(reached).toEqual(new Set(['held', 'waitlisted', 'confirmed', 'shipped', 'completed', 'cancelled', 'expired']));
    expect(final.orders).toBeGreaterThan(0);
    expect(checks).toBe(8);
  });

  it('follow a claiming order’s line changing quantity, which no write path does today', async () => {
    const { order } = (await say(app, shop.room.id, '买1号 2份')).body;
    await app.store.transact(async (tx) => tx.setLineQty((await tx.order(order.id))!.lines[0]!.id, 3));
    const sales = await app.store.sessionSales(shop.room.id);
    expect({ grossFen: sales.grossFen, orders: sales.orders }).toEqual(await summed(sales.liveSessionId!));
    expect(sales.grossFen).toBe(3 * order.lines[0].priceFen);
  });
});
