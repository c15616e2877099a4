import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { buildTestApp, call } from './helper.ts';

let app: App;
afterEach(() => app.close());

describe('rooms', () => {
  it('lists each platform with the settings its plugin asks for, for the new-room form', async () => {
    app = await buildTestApp();
    const { status, body } = await call(app, 'GET', '/api/platforms');
    expect(status).toBe(200);
    const byPlatform = Object.fromEntries((body as { platform: string; label: string; config: { key: string }[] }[]).map((p) => [p.platform, p]));
    expect(Object.keys(byPlatform).sort()).toEqual(['bilibili', 'douyin', 'kuaishou', 'push', 'relay', 'simulator', 'twitch', 'youtube']);
    expect(byPlatform.bilibili!.label).toBe('哔哩哔哩');
    expect(byPlatform.bilibili!.config).toContainEqual({ key: 'roomId', type: 'string', required: true, secret: false });
    expect(byPlatform.bilibili!.config).toContainEqual({ key: 'key', type: 'string', required: false, secret: true });
    expect(byPlatform.bilibili!.config).toContainEqual({ key: 'heartbeatMs', type: 'integer', required: false, secret: false });
    expect(byPlatform.twitch!.config).toContainEqual({ key: 'channel', type: 'string', required: true, secret: false });
    // Douyin's per-event secrets are an object: set through the API, not a form field.
    expect(byPlatform.douyin!.config.map((f) => f.key)).toEqual(['roomId', 'secret']);
    expect(byPlatform.push!.config).toEqual([]);
    expect((await app.inject({ method: 'GET', url: '/api/platforms' })).statusCode).toBe(401);
  });

  it('creates a room with overlay URLs on PUBLIC_URL that carry its read-only token', async () => {
    app = await buildTestApp({ publicUrl: 'http://192.168.1.20:3000' });
    const res = await call(app, 'POST', '/api/rooms', {
      name: '石板寨好物直播间',
      platform: 'bilibili',
      config: { roomId: 21452505, key: 'k', url: 'ws://127.0.0.1:9/sub' },
      platformFeeRate: 0.05,
      commissionRate: 0.1,
    });
    expect(res.status).toBe(201);
    const room = res.body;
    expect(room).toMatchObject({ platform: 'bilibili', platformFeeRate: 0.05, commissionRate: 0.1, qa: false });
    expect(room.overlayToken).toMatch(/^[\w-]{20,}$/);
    for (const name of ['product', 'orders', 'qa']) {
      expect(room.overlays[name]).toBe(`http://192.168.1.20:3000/overlays/${name}?room=${room.id}&token=${room.overlayToken}`);
    }
    expect(room.connection).toEqual({ state: 'stopped' });
    expect(room.stats).toEqual({ messages: 0, orders: 0, questions: 0 });
    expect(room.limits).toEqual({ holdMinutes: 30, maxQtyPerOrder: 99, maxOpenOrdersPerBuyer: 50, orderMessagesPerSecond: 3 });
    expect((await call(app, 'GET', `/api/rooms/${room.id}`)).body).toEqual(room);
  });

  it('defaults rates to 0, gives each room its own token, and shows a push room as live', async () => {
    app = await buildTestApp();
    const a = (await call(app, 'POST', '/api/rooms', { name: '推送', platform: 'push' })).body;
    const b = (await call(app, 'POST', '/api/rooms', { name: '问答', platform: 'simulator', qa: true })).body;
    expect(a).toMatchObject({ platformFeeRate: 0, commissionRate: 0, connection: { state: 'live' } });
    expect(b.qa).toBe(true);
    // Pages name the platform as people know it, from its plugin.
    expect([a.platformLabel, b.platformLabel]).toEqual(['接口推送', '模拟直播间']);
    expect(a.overlayToken).not.toBe(b.overlayToken);
    expect((await call(app, 'GET', '/api/rooms')).body.map((r: { id: number }) => r.id)).toEqual([a.id, b.id]);
  });

  it.each([
    ['an unknown platform', { name: 'x', platform: 'tiktok' }, 400, 'VALIDATION_FAILED'],
    ['a rate above 1', { name: 'x', platform: 'push', platformFeeRate: 1.5 }, 400, 'VALIDATION_FAILED'],
    ['a negative rate', { name: 'x', platform: 'push', commissionRate: -0.1 }, 400, 'VALIDATION_FAILED'],
    ['rates adding up past 1', { name: 'x', platform: 'push', platformFeeRate: 0.6, commissionRate: 0.5 }, 422, 'ROOM_RATES_INVALID'],
    ['a config url that is not a URL', { name: 'x', platform: 'relay', config: { url: 'javascript:alert(1)' } }, 400, 'VALIDATION_FAILED'],
    ['an unknown limit', { name: 'x', platform: 'push', limits: { maxBuyers: 3 } }, 400, 'VALIDATION_FAILED'],
    ['a hold time of zero', { name: 'x', platform: 'push', limits: { holdMinutes: 0 } }, 400, 'VALIDATION_FAILED'],
    ['an unknown field', { name: 'x', platform: 'push', owner: 'me' }, 400, 'VALIDATION_FAILED'],
  ])('refuses %s and stores nothing', async (_label, body, status, code) => {
    app = await buildTestApp();
    const res = await call(app, 'POST', '/api/rooms', body);
    expect([res.status, res.body.error.code]).toEqual([status, code]);
    expect((await call(app, 'GET', '/api/rooms')).body).toEqual([]);
  });

  it('updates rates and merges limits, checking the rates against what is stored', async () => {
    app = await buildTestApp();
    const room = (await call(app, 'POST', '/api/rooms', { name: '间', platform: 'push', platformFeeRate: 0.3 })).body;
    const patched = await call(app, 'PATCH', `/api/rooms/${room.id}`, { commissionRate: 0.2, limits: { holdMinutes: 10 } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ platformFeeRate: 0.3, commissionRate: 0.2, limits: { holdMinutes: 10, maxQtyPerOrder: 99 } });
    const tooMuch = await call(app, 'PATCH', `/api/rooms/${room.id}`, { commissionRate: 0.8 });
    expect([tooMuch.status, tooMuch.body.error.code]).toEqual([422, 'ROOM_RATES_INVALID']);
    expect((await call(app, 'PATCH', `/api/rooms/${room.id}`, { platform: 'twitch' })).status).toBe(400);
    expect((await call(app, 'GET', `/api/rooms/${room.id}`)).body).toMatchObject({ platform: 'push', commissionRate: 0.2 });
  });

  it('rotates the overlay token so a leaked overlay URL stops working', async () => {
    app = await buildTestApp();
    const room = (await call(app, 'POST', '/api/rooms', { name: '间', platform: 'push' })).body;
    const rotated = (await call(app, 'POST', `/api/rooms/${room.id}/overlay-token`)).body;
    expect(rotated.overlayToken).not.toBe(room.overlayToken);
    expect(rotated.overlays.product).toContain(rotated.overlayToken);
  });

  it('answers 404 for an unknown room', async () => {
    app = await buildTestApp();
    const res = await call(app, 'GET', '/api/rooms/77');
    expect([res.status, res.body.error.code]).toEqual([404, 'ROOM_NOT_FOUND']);
  });
});
