import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { buildTestApp, call, createHousehold, createProduct } from './helper.ts';

let app: App;
let households: { id: number }[];

beforeEach(async () => {
  app = await buildTestApp();
  households = [await createHousehold(app, { name: '王大山' }), await createHousehold(app, { name: '李秀英', povertyStatus: 'lifted' })];
});
afterEach(() => app.close());

const honey = () => ({
  code: '3',
  name: '岩蜂土蜂蜜',
  unit: '瓶',
  priceFen: 6800,
  stock: 60,
  story: '后山岩壁下的中华蜂，一年只割一次蜜。',
  sources: [
    { householdId: households[0]!.id, share: 2 },
    { householdId: households[1]!.id, share: 1 },
  ],
});

describe('products', () => {
  it('creates a product pooled from several households, keeping the order of its sources', async () => {
    const res = await call(app, 'POST', '/api/products', honey());
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ code: '3', priceFen: 6800, stock: 60, photoUrl: null });
    expect(res.body.sources).toEqual([
      { householdId: households[0]!.id, householdName: '王大山', povertyStatus: 'monitored', share: 2 },
      { householdId: households[1]!.id, householdName: '李秀英', povertyStatus: 'lifted', share: 1 },
    ]);
    const list = await call(app, 'GET', '/api/products');
    expect(list.body).toHaveLength(1);
    expect(list.body[0].sources.map((s: { share: number }) => s.share)).toEqual([2, 1]);
  });

  it('accepts fractional share weights', async () => {
    const body = { ...honey(), sources: [{ householdId: households[0]!.id, share: 0.25 }] };
    expect((await call(app, 'POST', '/api/products', body)).body.sources[0].share).toBe(0.25);
  });

  it('stores codes upper-case after NFKC, so full-width and lower-case codes are the same code', async () => {
    const created = await call(app, 'POST', '/api/products', { ...honey(), code: 'ａ１' });
    expect(created.body.code).toBe('A1');
    const clash = await call(app, 'POST', '/api/products', { ...honey(), code: 'a1' });
    expect([clash.status, clash.body.error.code]).toEqual([409, 'PRODUCT_CODE_TAKEN']);
  });

  const bad: [string, (b: ReturnType<typeof honey>) => unknown, number, string][] = [
    ['a negative price', (b) => ({ ...b, priceFen: -5 }), 400, 'VALIDATION_FAILED'],
    ['a fractional price', (b) => ({ ...b, priceFen: 12.5 }), 400, 'VALIDATION_FAILED'],
    ['a price given as text', (b) => ({ ...b, priceFen: '6800' }), 400, 'VALIDATION_FAILED'],
    ['negative stock', (b) => ({ ...b, stock: -1 }), 400, 'VALIDATION_FAILED'],
    ['a zero share', (b) => ({ ...b, sources: [{ householdId: households[0]!.id, share: 0 }] }), 400, 'VALIDATION_FAILED'],
    ['a negative share', (b) => ({ ...b, sources: [{ householdId: households[0]!.id, share: -1 }] }), 400, 'VALIDATION_FAILED'],
    ['no sources', (b) => ({ ...b, sources: [] }), 400, 'VALIDATION_FAILED'],
    ['an unknown field', (b) => ({ ...b, colour: 'gold' }), 400, 'VALIDATION_FAILED'],
    ['an unknown field in a source', (b) => ({ ...b, sources: [{ householdId: households[0]!.id, share: 1, pct: 5 }] }), 400, 'VALIDATION_FAILED'],
    ['a code with punctuation', (b) => ({ ...b, code: '3号' }), 400, 'PRODUCT_CODE_INVALID'],
    ['a code of letters only', (b) => ({ ...b, code: 'AB' }), 400, 'PRODUCT_CODE_INVALID'],
    ['a household that does not exist', (b) => ({ ...b, sources: [{ householdId: 9999, share: 1 }] }), 422, 'SOURCE_HOUSEHOLD_UNKNOWN'],
    ['the same household twice', (b) => ({ ...b, sources: [...b.sources, b.sources[0]] }), 422, 'SOURCE_DUPLICATE'],
  ];

  it.each(bad)('refuses %s and stores nothing', async (_label, mutate, status, code) => {
    const res = await call(app, 'POST', '/api/products', mutate(honey()));
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect((await call(app, 'GET', '/api/products')).body).toEqual([]);
  });

  it('refuses a taken code without touching the existing product', async () => {
    const first = await call(app, 'POST', '/api/products', honey());
    const second = await call(app, 'POST', '/api/products', { ...honey(), name: '冒名', priceFen: 1 });
    expect([second.status, second.body.error.code]).toEqual([409, 'PRODUCT_CODE_TAKEN']);
    expect((await call(app, 'GET', '/api/products')).body).toEqual([first.body]);
  });

  it('updates fields and replaces sources; a refused update changes nothing', async () => {
    const { body: product } = await call(app, 'POST', '/api/products', honey());
    const updated = await call(app, 'PATCH', `/api/products/${product.id}`, {
      stock: 5,
      sources: [{ householdId: households[1]!.id, share: 1 }],
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ stock: 5, name: '岩蜂土蜂蜜' });
    expect(updated.body.sources).toEqual([expect.objectContaining({ householdId: households[1]!.id, share: 1 })]);

    const refused = await call(app, 'PATCH', `/api/products/${product.id}`, {
      stock: 1,
      sources: [{ householdId: 424242, share: 1 }],
    });
    expect([refused.status, refused.body.error.code]).toEqual([422, 'SOURCE_HOUSEHOLD_UNKNOWN']);
    expect((await call(app, 'GET', `/api/products/${product.id}`)).body).toEqual(updated.body);
  });

  it('refuses to take another product’s code on update', async () => {
    await call(app, 'POST', '/api/products', honey());
    const { body: rice } = await call(app, 'POST', '/api/products', { ...honey(), code: '5', name: '香米' });
    const res = await call(app, 'PATCH', `/api/products/${rice.id}`, { code: '3' });
    expect([res.status, res.body.error.code]).toEqual([409, 'PRODUCT_CODE_TAKEN']);
    expect((await call(app, 'PATCH', `/api/products/${rice.id}`, { code: '5', name: '梯田香米' })).status).toBe(200);
  });

  it('deletes a product and answers 404 afterwards', async () => {
    const p = await createProduct(app, { sources: [{ householdId: households[0]!.id, share: 1 }] });
    expect((await call(app, 'DELETE', `/api/products/${p.id}`)).status).toBe(204);
    const res = await call(app, 'GET', `/api/products/${p.id}`);
    expect([res.status, res.body.error.code]).toEqual([404, 'PRODUCT_NOT_FOUND']);
    expect((await call(app, 'DELETE', `/api/products/${p.id}`)).status).toBe(404);
  });
});
