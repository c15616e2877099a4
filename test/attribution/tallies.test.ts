import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { buildTestApp, call, say, setupShop, type Shop } from '../helper.ts';

let app: App;
let shop: Shop;
beforeEach(async () => {
  app = await buildTestApp();
  shop = await setupShop(app);
});
afterEach(() => app.close());

// An independent reference for the contract's rules, written the way a spreadsheet would.
const halfUp = (x: number) => Math.floor(x + 0.5 + 1e-9);
function split(amount: number, shares: number[]): number[] {
  const total = shares.reduce((a, s) => a + s, 0);
  const parts = shares.map((s, i) => ({ i, exact: (amount * s) / total, v: Math.floor((amount * s) / total + 1e-9) }));
  let rem = amount - parts.reduce((a, p) => a + p.v, 0);
  [...parts].sort((a, b) => b.exact - b.v - (a.exact - a.v) || a.i - b.i).forEach((p) => rem-- > 0 && p.v++);
  return parts.map((p) => p.v);
}
const net = (gross: number) => gross - halfUp(gross * 0.05) - halfUp(gross * 0.1);

type Row = Record<string, number | string>;
const tallies = async (query: string) => (await call(app, 'GET', `/api/tallies?${query}`)).body as Row[];
const sum = (rows: Row[], key: string) => rows.reduce((a, r) => a + Number(r[key]), 0);

describe('tallies', () => {
  it('attribute each household its share to the fen, claimed and paid, and reverse cancellations', async () => {
    const want = new Map(shop.households.map((h) => [h.id, 0]));
    const attribute = (code: string, qty: number, sign = 1) => {
      const sources = shop.products[code]!.sources;
      split(net(1999 * qty), sources.map((s) => s.share)).forEach((v, k) => want.set(sources[k]!.householdId, want.get(sources[k]!.householdId)! + sign * v));
    };
    const placed: { id: number; code: string; qty: number }[] = [];
    for (const [text, code, qty] of [['买1号 2份', '1', 2], ['拍5号3份', '5', 3], ['+1', '5', 1], ['#A1 4', 'A1', 4], ['买3号', '3', 1], ['买3号 7份', '3', 7]] as const) {
      for (let i = 0; i < 3; i++) {
        const { order } = (await say(app, shop.room.id, text)).body;
        placed.push({ id: order.id, code, qty });
        attribute(code, qty);
      }
    }
    const paid = placed.find((p) => p.code === 'A1')!;
    await call(app, 'PATCH', `/api/orders/${paid.id}`, { status: 'confirmed' });
    const cancelled = placed.find((p) => p.code === '3' && p.qty === 7)!;
    await call(app, 'PATCH', `/api/orders/${cancelled.id}`, { status: 'cancelled' });
    attribute('3', 7, -1);

    const rows = await tallies(`groupBy=household&roomId=${shop.room.id}`);
    for (const [id, fen] of want) expect(rows.find((r) => r.householdId === id)?.netFen).toBe(fen);
    const gross = placed.reduce((a, p) => a + 1999 * p.qty, 0) - 1999 * 7;
    expect(sum(rows, 'grossFen')).toBe(gross);
    expect(sum(rows, 'platformFeeFen') + sum(rows, 'commissionFen') + sum(rows, 'netFen')).toBe(gross);
    expect(sum(rows, 'paidNetFen')).toBe(net(1999 * 4));

    const monitored = shop.households.find((h) => h.povertyStatus === 'monitored')!;
    const lifted = shop.households.find((h) => h.povertyStatus === 'lifted')!;
    expect(sum(rows, 'monitoredNetFen')).toBe(want.get(monitored.id));
    expect(sum(rows, 'liftedNetFen')).toBe(want.get(lifted.id));
    expect(rows.find((r) => r.householdId === monitored.id)).toMatchObject({ householdName: '王大山', povertyStatus: 'monitored' });

    // The same money, grouped by product and by room, adds up to the same totals.
    for (const groupBy of ['product', 'room']) {
      const other = await tallies(`groupBy=${groupBy}&roomId=${shop.room.id}`);
      for (const key of ['grossFen', 'platformFeeFen', 'commissionFen', 'netFen', 'paidNetFen']) expect(sum(other, key)).toBe(sum(rows, key));
    }
    const byProduct = await tallies('groupBy=product');
    expect(byProduct.find((r) => r.code === '3')).toMatchObject({ orders: 5, quantity: 3 + 2 * 7 });
  });

  it('filter by period: a bare date is that day in Asia/Shanghai, from inclusive and to exclusive', async () => {
    await say(app, shop.room.id, '买1号');
    const now = new Date();
    const shanghaiToday = new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
    const tomorrow = new Date(now.getTime() + 8 * 3600_000 + 86_400_000).toISOString().slice(0, 10);
    expect(sum(await tallies(`groupBy=room&from=${shanghaiToday}&to=${tomorrow}`), 'grossFen')).toBe(1999);
    expect(sum(await tallies(`groupBy=room&from=${tomorrow}`), 'grossFen')).toBe(0);
    expect(sum(await tallies(`groupBy=room&to=${shanghaiToday}`), 'grossFen')).toBe(0);
    expect(sum(await tallies(`groupBy=room&from=${new Date(now.getTime() - 60_000).toISOString()}`), 'grossFen')).toBe(1999);
    const bad = await call(app, 'GET', '/api/tallies?groupBy=room&from=last-week');
    expect([bad.status, bad.body.error.code]).toEqual([400, 'PERIOD_INVALID']);
    // Days and times the calendar does not have are refused, not moved to 2 March or the next day.
    for (const from of ['2026-02-30', '2026-13-01', '2026-02-28T24:30:00Z', '2026-02-28T10:61:00Z']) {
      expect((await call(app, 'GET', `/api/tallies?groupBy=room&from=${encodeURIComponent(from)}`)).body.error.code).toBe('PERIOD_INVALID');
    }
    expect((await call(app, 'GET', '/api/tallies?groupBy=room&from=2028-02-29')).status).toBe(200);
    expect((await call(app, 'GET', '/api/tallies?groupBy=village')).status).toBe(400);
  });

  it('list a household’s orders by whose goods they claimed, and a waiting order by its product’s sources now', async () => {
    const [a, b] = shop.households.map((h) => h.id) as [number, number];
    const product = shop.products['1']!;
    await call(app, 'PATCH', `/api/products/${product.id}`, { stock: 1 });
    const claimed = (await say(app, shop.room.id, '买1号', { user: 'first' })).body.order;
    const waiting = (await say(app, shop.room.id, '买1号', { user: 'second' })).body.order;
    expect([claimed.status, waiting.status]).toEqual(['held', 'waitlisted']);
    await call(app, 'PATCH', `/api/orders/${claimed.id}`, { status: 'cancelled' });
    // Cancelling gave the waiting buyer the unit: place one more to keep an order waiting.
    const stillWaiting = (await say(app, shop.room.id, '买1号', { user: 'third' })).body.order;
    expect(stillWaiting.status).toBe('waitlisted');
    // Product 1 was household a's; now it is household b's.
    expect((await call(app, 'PATCH', `/api/products/${product.id}`, { sources: [{ householdId: b, share: 1 }] })).status).toBe(200);
    const listed = async (household: number) => ((await call(app, 'GET', `/api/orders?householdId=${household}`)).body as { id: number }[]).map((o) => o.id).sort((x, y) => x - y);
    expect(await listed(a)).toEqual([claimed.id, waiting.id]);
    expect(await listed(b)).toEqual([stillWaiting.id]);
  });

  it('count waitlisted orders only once they hold stock', async () => {
    await call(app, 'PATCH', `/api/products/${shop.products['1']!.id}`, { stock: 1 });
    await say(app, shop.room.id, '买1号 3份');
    expect(sum(await tallies('groupBy=product'), 'quantity')).toBe(1);
    await call(app, 'PATCH', `/api/products/${shop.products['1']!.id}`, { stock: 5 });
    expect(sum(await tallies('groupBy=product'), 'quantity')).toBe(3);
  });
});
