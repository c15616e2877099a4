import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { AppError } from '../../src/errors.ts';
import { CsvError, parseCsv } from '../../src/imports/csv.ts';
import { readShopOrders, type ShopMapping } from '../../src/imports/shop-orders.ts';
import { buildTestApp, call, setupShop, type Shop } from '../helper.ts';

describe('CSV reader', () => {
  it('reads quotes, doubled quotes, line breaks in fields, CRLF and a BOM, with the line each row starts on', () => {
    const rows = parseCsv('\uFEFFa,b\r\n"x, y","say ""hi"""\r\n\r\n"two\nlines",z\n');
    expect(rows).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['x, y', 'say "hi"'] },
      { line: 4, cells: ['two\nlines', 'z'] },
    ]);
  });

  it('names the line of broken quoting', () => {
    expect(() => parseCsv('a,b\n1,"open\n2,3')).toThrow(new CsvError(2, 'a quoted field is never closed'));
    expect(() => parseCsv('a,b\n1,x"y"')).toThrow(/line 2/);
    expect(() => parseCsv('a\n"closed"junk')).toThrow(/line 2/);
  });

  it('never throws anything but a CsvError on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', ',', '"', '\n', '\r', '中', ' ') , maxLength: 60 }), (text) => {
        try {
          parseCsv(text);
        } catch (err) {
          expect(err).toBeInstanceOf(CsvError);
        }
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 3000) },
    );
  });
});

const MAPPING: ShopMapping = {
  columns: { orderId: '订单编号', productId: '商品ID', qty: '商品数量', buyerId: '买家ID', buyerName: '买家昵称', time: '下单时间', status: '订单状态' },
  products: { '3601001': '1', '3601005': '5', '3601111': 'A1' },
  statuses: { 待发货: 'confirmed', 已发货: 'shipped', 已完成: 'completed', 已取消: 'skip' },
};
const HEADER = '订单编号,商品ID,商品数量,买家ID,买家昵称,下单时间,订单状态';
const FILE = [
  HEADER,
  'DD1001,3601001,2,b-1,"张三, 北京",2026-11-27 21:15:00,待发货',
  'DD1002,3601005,1,b-2,=cmd|calc,2026/11/27 21:20,已完成',
  'DD1002,3601111,3,b-2,=cmd|calc,2026/11/27 21:20,已完成',
  'DD1003,3601005,4,b-3,李四,2026-11-27 22:00:00,已取消',
].join('\r\n');

describe('reading a shop export', () => {
  const codes = new Set(['1', '5', 'A1']);

  it('groups lines by order number, maps statuses and skips cancelled rows', () => {
    const { orders, skipped } = readShopOrders(FILE, MAPPING, codes);
    expect(skipped).toBe(1);
    expect(orders).toEqual([
      { ref: 'DD1001', line: 2, buyerId: 'b-1', buyerName: '张三, 北京', createdAt: new Date('2026-11-27T13:15:00Z'), status: 'confirmed', lines: [{ code: '1', qty: 2 }] },
      {
        ref: 'DD1002',
        line: 3,
        buyerId: 'b-2',
        buyerName: '=cmd|calc',
        createdAt: new Date('2026-11-27T13:20:00Z'),
        status: 'completed',
        lines: [{ code: '5', qty: 1 }, { code: 'A1', qty: 3 }],
      },
    ]);
  });

  it.each([
    ['an unmapped product', 'DD9,3609999,1,b,n,2026-11-27 10:00,待发货', /line 2: shop product "3609999"/],
    ['a quantity of zero', 'DD9,3601001,0,b,n,2026-11-27 10:00,待发货', /line 2: quantity "0"/],
    ['a quantity in words', 'DD9,3601001,两,b,n,2026-11-27 10:00,待发货', /line 2: quantity/],
    ['an impossible date', 'DD9,3601001,1,b,n,2026-02-30 10:00,待发货', /line 2: time/],
    ['an unknown status', 'DD9,3601001,1,b,n,2026-11-27 10:00,退款中', /line 2: status "退款中"/],
    ['a missing cell', 'DD9,3601001,1,b,n,2026-11-27 10:00', /line 2: 6 cells/],
    ['no order number', ',3601001,1,b,n,2026-11-27 10:00,待发货', /line 2: no order number/],
    ['a shop product named like an Object key', 'DD9,constructor,1,b,n,2026-11-27 10:00,待发货', /line 2: shop product "constructor"/],
    ['a shop product named __proto__', 'DD9,__proto__,1,b,n,2026-11-27 10:00,待发货', /line 2: shop product "__proto__"/],
    ['a status named like an Object key', 'DD9,3601001,1,b,n,2026-11-27 10:00,toString', /line 2: status "toString"/],
  ])('refuses %s, naming the line', (_label, row, message) => {
    expect(() => readShopOrders(`${HEADER}\n${row}`, MAPPING, codes)).toThrow(message);
  });

  it('refuses a file without a mapped column, or mapped to a code that does not exist', () => {
    expect(() => readShopOrders('订单编号,商品ID\nDD1,3601001', MAPPING, codes)).toThrow(/line 1: no column "商品数量"/);
    expect(() => readShopOrders(`${HEADER},商品数量\n${FILE.split('\n')[1]},9`, MAPPING, codes)).toThrow(/line 1: column "商品数量" appears twice/);
    expect(() => readShopOrders(FILE, MAPPING, new Set(['1', '5']))).toThrow(AppError);
  });
});

describe('importing shop orders', () => {
  let app: App;
  let shop: Shop;
  beforeEach(async () => {
    app = await buildTestApp();
    shop = await setupShop(app, { stock: 10 });
  });
  afterEach(() => app.close());

  const importFile = (csv: string, mapping?: ShopMapping) => call(app, 'POST', '/api/imports/shop-orders', { roomId: shop.room.id, csv, ...(mapping && { mapping }) });
  const orders = async () => (await call(app, 'GET', `/api/orders?roomId=${shop.room.id}`)).body as { origin: string; status: string; createdAt: string }[];

  it('records paid orders attributed like chat orders, takes them from stock, and adds nothing on a second import', async () => {
    const first = await importFile(FILE, MAPPING);
    expect(first.body).toEqual({ imported: 2, duplicates: 0, stockShort: 0, skipped: 1 });
    const list = await orders();
    expect(list.map((o) => [o.origin, o.status])).toEqual([
      ['import', 'completed'],
      ['import', 'confirmed'],
    ]);
    expect(list[1]!.createdAt).toBe('2026-11-27T13:15:00.000Z');
    expect((await call(app, 'GET', `/api/products/${shop.products['A1']!.id}`)).body.stock).toBe(7);

    const tallies = (await call(app, 'GET', `/api/tallies?groupBy=room`)).body;
    expect(tallies[0]).toMatchObject({ grossFen: 1999 * 6, orders: 2, quantity: 6 });
    expect(tallies[0].paidNetFen).toBe(tallies[0].netFen);

    const again = await importFile(FILE, MAPPING);
    expect(again.body).toEqual({ imported: 0, duplicates: 2, stockShort: 0, skipped: 1 });
    expect(await orders()).toHaveLength(2);
  });

  it('refuses a file with one broken row whole: no orders, no stock taken', async () => {
    const broken = `${FILE}\nDD1004,3601001,x,b-4,王五,2026-11-27 22:10,待发货`;
    const res = await importFile(broken, MAPPING);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('IMPORT_INVALID');
    expect(res.body.error.message).toContain('line 6');
    expect(await orders()).toEqual([]);
    expect((await call(app, 'GET', `/api/products/${shop.products['1']!.id}`)).body.stock).toBe(10);
  });

  it('uses the mapping saved for the room, and asks for one when there is none', async () => {
    expect((await importFile(FILE)).body.error.code).toBe('IMPORT_MAPPING_MISSING');
    expect((await call(app, 'PUT', `/api/rooms/${shop.room.id}/shop-mapping`, { mapping: { ...MAPPING, extra: 1 } })).status).toBe(400);
    expect((await call(app, 'PUT', `/api/rooms/${shop.room.id}/shop-mapping`, { mapping: MAPPING })).status).toBe(200);
    expect((await call(app, 'GET', `/api/rooms/${shop.room.id}/shop-mapping`)).body.mapping).toEqual(MAPPING);
    expect((await importFile(FILE)).body.imported).toBe(2);
  });

  it('takes what stock there is when the shop sold more than we count, and says how much was short', async () => {
    const res = await importFile(`${HEADER}\nDD2001,3601001,12,b-9,赵六,2026-11-27 10:00,待发货`, MAPPING);
    expect(res.body).toMatchObject({ imported: 1, stockShort: 2 });
    expect((await call(app, 'GET', `/api/products/${shop.products['1']!.id}`)).body.stock).toBe(0);
    // Cancelled, it gives back the 10 it took, not the 12 it sold: no stock out of nothing.
    const [order] = (await call(app, 'GET', `/api/orders?roomId=${shop.room.id}`)).body;
    expect((await call(app, 'PATCH', `/api/orders/${order.id}`, { status: 'cancelled' })).status).toBe(200);
    expect((await call(app, 'GET', `/api/products/${shop.products['1']!.id}`)).body.stock).toBe(10);
  });
});
