import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { auth, buildTestApp, call, TOKEN, tempDatabaseUrl } from './helper.ts';

let app: App;
afterEach(() => app?.close());

describe('authentication', () => {
  it('leaves /api/health open and guards every other /api route', async () => {
    app = await buildTestApp();
    expect((await app.inject('/api/health')).json()).toEqual({ status: 'ok' });
    for (const url of ['/api/households', '/api/products', '/api/rooms', '/api/households/1']) {
      const res = await app.inject(url);
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('AUTH_REQUIRED');
    }
    const post = await app.inject({ method: 'POST', url: '/api/households', payload: { name: '闯入者' } });
    expect(post.statusCode).toBe(401);
    expect((await call(app, 'GET', '/api/households')).body).toEqual([]);
  });

  it.each([
    ['a wrong token', `Bearer ${TOKEN}x`, 'AUTH_INVALID'],
    ['a prefix of the token', `Bearer ${TOKEN.slice(0, 5)}`, 'AUTH_INVALID'],
    ['the token without Bearer', TOKEN, 'AUTH_REQUIRED'],
    ['Basic auth', `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}`, 'AUTH_REQUIRED'],
  ])('refuses %s with 401', async (_label, header, code) => {
    app = await buildTestApp();
    const res = await app.inject({ url: '/api/products', headers: { authorization: header } });
    expect([res.statusCode, res.json().error.code]).toEqual([401, code]);
  });

  it('generates a token on first start, keeps it across restarts, and lets ADMIN_TOKEN win', async () => {
    const databaseUrl = await tempDatabaseUrl();
    app = await buildTestApp({ databaseUrl, adminToken: undefined });
    const first = app.adminToken;
    expect(first.origin).toBe('generated');
    expect(first.token.length).toBeGreaterThanOrEqual(32);
    const ok = await app.inject({ url: '/api/rooms', headers: { authorization: `Bearer ${first.token}` } });
    expect(ok.statusCode).toBe(200);
    await app.close();

    app = await buildTestApp({ databaseUrl, adminToken: undefined });
    expect(app.adminToken).toEqual({ token: first.token, origin: 'stored' });
    await app.close();

    app = await buildTestApp({ databaseUrl, adminToken: 'chosen-token' });
    expect(app.adminToken.origin).toBe('env');
    const old = await app.inject({ url: '/api/rooms', headers: { authorization: `Bearer ${first.token}` } });
    expect(old.statusCode).toBe(401);
    const chosen = await app.inject({ url: '/api/rooms', headers: { authorization: 'Bearer chosen-token' } });
    expect(chosen.statusCode).toBe(200);
  });
});

describe('hostile request bodies', () => {
  const post = (payload: string | Buffer, contentType = 'application/json') =>
    app.inject({ method: 'POST', url: '/api/households', headers: { ...auth, 'content-type': contentType }, payload });

  it.each([
    ['invalid UTF-8', Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xe7, 0x8e]), Buffer.from('"}')]), 400, 'INVALID_UTF8'],
    ['a lone surrogate', '{"name":"\\ud800王"}', 400, 'INVALID_UTF8'],
    ['malformed JSON', '{"name":', 400, 'MALFORMED_JSON'],
    ['a __proto__ key', '{"name":"王","__proto__":{"admin":true}}', 400, 'MALFORMED_JSON'],
    ['a body over 1 MiB', JSON.stringify({ name: 'x'.repeat(1024 * 1024) }), 413, 'BODY_TOO_LARGE'],
  ])('refuses %s with a coded error and stores nothing', async (_label, payload, status, code) => {
    app = await buildTestApp();
    const res = await post(payload);
    expect(res.statusCode).toBe(status);
    expect(res.json().error.code).toBe(code);
    expect((await call(app, 'GET', '/api/households')).body).toEqual([]);
  });

  it('refuses a content type it does not speak with 415', async () => {
    app = await buildTestApp();
    const res = await post('name=王', 'application/x-www-form-urlencoded');
    expect([res.statusCode, res.json().error.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
  });

  it('accepts a UTF-8 byte-order mark and four-byte characters', async () => {
    app = await buildTestApp();
    const res = await post(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"name":"𠀀王🌾"}')]));
    expect(res.statusCode).toBe(201);
    expect(res.json().name).toBe('𠀀王🌾');
  });

  it('answers unknown routes with the error shape', async () => {
    app = await buildTestApp();
    const res = await app.inject('/nowhere');
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('NOT_FOUND');
  });

  it('answers a path with a broken escape with the error shape, before any route or token check', async () => {
    app = await buildTestApp();
    for (const url of ['/api/orders/%FF', '/api/policy/entries/%ED%A0%80']) {
      const res = await app.inject(url);
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'VALIDATION_FAILED', messageZh: expect.any(String) });
    }
  });
});
