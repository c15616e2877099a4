import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { buildTestApp, call, createHousehold, createProduct } from './helper.ts';

let app: App;
beforeEach(async () => {
  app = await buildTestApp();
});
afterEach(() => app.close());

describe('households', () => {
  it('creates, lists with masked phones, and shows the full phone on its own', async () => {
    const created = await call(app, 'POST', '/api/households', {
      name: '吴秀兰',
      village: '石板寨二组',
      phone: '13812341234',
      povertyStatus: 'monitored',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: '吴秀兰', phone: '13812341234', povertyStatus: 'monitored' });
    expect(created.body.createdAt).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);

    const list = await call(app, 'GET', '/api/households');
    expect(list.body).toEqual([expect.objectContaining({ id: created.body.id, phone: '138****1234' })]);

    const one = await call(app, 'GET', `/api/households/${created.body.id}`);
    expect(one.body.phone).toBe('13812341234');
  });

  it('defaults the poverty status to none and stores hostile names verbatim', async () => {
    const name = '<img src=x onerror=alert(1)> 王\u200b大山 🌾';
    const created = await call(app, 'POST', '/api/households', { name });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name, village: null, phone: null, povertyStatus: 'none' });
    expect((await call(app, 'GET', `/api/households/${created.body.id}`)).body.name).toBe(name);
  });

  it('pages with limit and offset', async () => {
    for (const name of ['甲', '乙', '丙']) await createHousehold(app, { name });
    const page = await call(app, 'GET', '/api/households?limit=2&offset=1');
    expect(page.body.map((h: { name: string }) => h.name)).toEqual(['乙', '丙']);
    expect((await call(app, 'GET', '/api/households?limit=0')).status).toBe(400);
    expect((await call(app, 'GET', '/api/households?limit=100001')).status).toBe(400);
  });

  it.each([
    ['unknown field', { name: '王', age: 3 }, 'VALIDATION_FAILED'],
    ['missing name', { village: '石门村' }, 'VALIDATION_FAILED'],
    ['blank name', { name: '   ' }, 'VALIDATION_FAILED'],
    ['name over 200 characters', { name: '王'.repeat(201) }, 'VALIDATION_FAILED'],
    ['name of the wrong type', { name: 42 }, 'VALIDATION_FAILED'],
    ['unknown poverty status', { name: '王', povertyStatus: 'poor' }, 'VALIDATION_FAILED'],
    ['phone with letters', { name: '王', phone: 'call me' }, 'VALIDATION_FAILED'],
    ['not an object', ['王'], 'VALIDATION_FAILED'],
  ])('refuses %s with a coded 400 and stores nothing', async (_label, body, code) => {
    const res = await call(app, 'POST', '/api/households', body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message).toBeTruthy();
    expect(res.body.error.messageZh).toBeTruthy();
    // The pages show messageZh: it says what is wrong in Chinese, not in ajv's English.
    expect(res.body.error.messageZh).not.toMatch(/must|should|NOT|pattern|characters/);
    expect((await call(app, 'GET', '/api/households')).body).toEqual([]);
  });

  it.each([
    [{ name: '王', phone: 'call me' }, '请求内容不合格：body.phone 格式不对'],
    [{ name: '王'.repeat(201) }, '请求内容不合格：body.name 最多 200 个字'],
    [{ name: 42 }, '请求内容不合格：body.name 应为文字'],
    [{ village: '石门村' }, '请求内容不合格：缺少 body.name'],
  ])('says in Chinese what is wrong with %j', async (body, messageZh) => {
    expect((await call(app, 'POST', '/api/households', body)).body.error.messageZh).toBe(messageZh);
  });

  it('names the unknown field in the error', async () => {
    const res = await call(app, 'POST', '/api/households', { name: '王', nickname: 'x' });
    expect(res.body.error.message).toContain('nickname');
  });

  it('updates only what is given and refuses an empty patch', async () => {
    const h = await createHousehold(app, { name: '杨光明', povertyStatus: 'lifted' });
    const res = await call(app, 'PATCH', `/api/households/${h.id}`, { povertyStatus: 'monitored' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: '杨光明', povertyStatus: 'monitored' });
    expect((await call(app, 'PATCH', `/api/households/${h.id}`, {})).status).toBe(400);
    const missing = await call(app, 'PATCH', '/api/households/999', { name: '无' });
    expect([missing.status, missing.body.error.code]).toEqual([404, 'HOUSEHOLD_NOT_FOUND']);
  });

  it('answers 404 for a household that does not exist and 400 for an id that is not one', async () => {
    const res = await call(app, 'GET', '/api/households/999');
    expect([res.status, res.body.error.code]).toEqual([404, 'HOUSEHOLD_NOT_FOUND']);
    expect((await call(app, 'GET', '/api/households/abc')).status).toBe(400);
  });

  it('deletes a household nobody depends on, and refuses one that supplies a product', async () => {
    const free = await createHousehold(app, { name: '龙金花' });
    expect((await call(app, 'DELETE', `/api/households/${free.id}`)).status).toBe(204);
    expect((await call(app, 'GET', `/api/households/${free.id}`)).status).toBe(404);

    const supplier = await createHousehold(app, { name: '石德贵' });
    await createProduct(app, { sources: [{ householdId: supplier.id, share: 1 }] });
    const res = await call(app, 'DELETE', `/api/households/${supplier.id}`);
    expect([res.status, res.body.error.code]).toEqual([409, 'HOUSEHOLD_IN_USE']);
    expect((await call(app, 'GET', `/api/households/${supplier.id}`)).status).toBe(200);
  });
});
