import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { buildTestApp, call, TOKEN } from './helper.ts';

let app: App;
beforeEach(async () => {
  app = await buildTestApp();
});
afterEach(() => app.close());

async function login(token = TOKEN) {
  const res = await app.inject({ method: 'POST', url: '/api/session', payload: { token } });
  const setCookie = String(res.headers['set-cookie'] ?? '');
  return { res, cookie: setCookie.split(';')[0]!, setCookie, csrf: res.statusCode === 200 ? (res.json().csrfToken as string) : '' };
}

describe('dashboard sessions', () => {
  it('trade the admin token for an httpOnly, SameSite=Strict cookie that reads the API', async () => {
    const { res, cookie, setCookie } = await login();
    expect(res.statusCode).toBe(200);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).not.toContain(TOKEN);
    const list = await app.inject({ url: '/api/rooms', headers: { cookie } });
    expect(list.statusCode).toBe(200);
  });

  it('need the session’s CSRF token for changes made with the cookie, but never for bearer requests', async () => {
    const { cookie, csrf } = await login();
    const body = { name: '王大山' };
    const missing = await app.inject({ method: 'POST', url: '/api/households', headers: { cookie }, payload: body });
    expect([missing.statusCode, missing.json().error.code]).toEqual([403, 'CSRF_INVALID']);
    const wrong = await app.inject({ method: 'POST', url: '/api/households', headers: { cookie, 'x-csrf-token': `${csrf}x` }, payload: body });
    expect(wrong.statusCode).toBe(403);
    expect((await call(app, 'GET', '/api/households')).body).toEqual([]);
    const right = await app.inject({ method: 'POST', url: '/api/households', headers: { cookie, 'x-csrf-token': csrf }, payload: body });
    expect(right.statusCode).toBe(201);
    expect((await call(app, 'POST', '/api/households', { name: '李秀英' })).status).toBe(201);
  });

  it('refuse a wrong token, throttle guessing, and end at logout', async () => {
    for (let i = 0; i < 10; i++) expect((await login('guess')).res.statusCode).toBe(401);
    const throttled = await login(TOKEN);
    expect([throttled.res.statusCode, throttled.res.json().error.code]).toEqual([429, 'LOGIN_THROTTLED']);

    await app.close();
    app = await buildTestApp();
    const { cookie, csrf } = await login();
    expect((await app.inject({ method: 'DELETE', url: '/api/session', headers: { cookie, 'x-csrf-token': csrf } })).statusCode).toBe(204);
    const after = await app.inject({ url: '/api/rooms', headers: { cookie } });
    expect([after.statusCode, after.json().error.code]).toEqual([401, 'SESSION_EXPIRED']);
  });

  it('behind a trusted proxy, throttle each client by its forwarded address, not everyone by the proxy’s', async () => {
    await app.close();
    app = await buildTestApp({ trustProxy: '127.0.0.1' });
    const from = (address: string, token: string) =>
      app.inject({ method: 'POST', url: '/api/session', headers: { 'x-forwarded-for': address }, payload: { token } });
    for (let i = 0; i < 10; i++) expect((await from('203.0.113.5', 'guess')).statusCode).toBe(401);
    expect((await from('203.0.113.5', TOKEN)).statusCode).toBe(429);
    expect((await from('198.51.100.7', TOKEN)).statusCode).toBe(200);
  });

  it('send pages without a session to the login page, and serve them with a script-only-from-self CSP', async () => {
    const panel = await app.inject('/panel');
    expect([panel.statusCode, panel.headers.location]).toEqual([302, '/login?next=/panel']);
    expect((await app.inject('/')).headers.location).toBe('/panel');
    const { cookie } = await login();
    const ok = await app.inject({ url: '/dashboard', headers: { cookie } });
    expect(ok.statusCode).toBe(200);
    const csp = String(ok.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(ok.headers['x-content-type-options']).toBe('nosniff');
    expect(ok.body).not.toMatch(/<script>(?!<)/);
  });

  it('serve an overlay only with its own room’s token, and nothing else with a wrong one', async () => {
    const a = (await call(app, 'POST', '/api/rooms', { name: 'A', platform: 'push' })).body;
    const b = (await call(app, 'POST', '/api/rooms', { name: 'B', platform: 'push' })).body;
    const page = await app.inject(new URL(a.overlays.product).pathname + new URL(a.overlays.product).search);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<script type="module" src="/overlays/assets/product.js">');
    for (const url of [`/overlays/product?room=${a.id}&token=${b.overlayToken}`, `/overlays/product?room=${a.id}&token=nope`, `/overlays/product?room=${a.id}`, `/overlays/product`]) {
      const res = await app.inject(url);
      expect(res.statusCode).toBe(401);
      expect(res.body).not.toContain('<script');
    }
    expect((await app.inject(`/overlays/admin?room=${a.id}&token=${a.overlayToken}`)).statusCode).toBe(404);
  });
});
