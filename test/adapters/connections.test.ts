import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { fakeBilibili, danmu, type FakeBilibili } from '../fakes/bilibili.ts';
import { buildTestApp, call, setupShop, until, tempDatabaseUrl } from '../helper.ts';

let app: App | undefined;
let bili: FakeBilibili | undefined;
afterEach(async () => {
  await app?.close();
  await bili?.close();
  app = bili = undefined;
});

describe('room connections', () => {
  it('reconnect at start the rooms that were connected when the server stopped, and only those', async () => {
    bili = await fakeBilibili();
    const databaseUrl = await tempDatabaseUrl();
    app = await buildTestApp({ databaseUrl });
    await setupShop(app);
    const on = (await call(app, 'POST', '/api/rooms', { name: '开着', platform: 'bilibili', config: { roomId: 1, url: bili.url } })).body;
    const off = (await call(app, 'POST', '/api/rooms', { name: '关着', platform: 'bilibili', config: { roomId: 2, url: bili.url } })).body;
    await call(app, 'POST', `/api/rooms/${on.id}/connect`);
    await until('first auth', () => bili!.auths.length === 1);
    await app.close();
    await until('closed with the server', () => bili!.sockets.size === 0);

    app = await buildTestApp({ databaseUrl });
    await app.ready();
    await until('reconnected at start', () => bili!.auths.length === 2);
    expect(bili.auths.map((a) => a.roomid)).toEqual([1, 1]);
    await until('live', async () => (await call(app!, 'GET', `/api/rooms/${on.id}`)).body.connection.state === 'live');
    expect((await call(app, 'GET', `/api/rooms/${off.id}`)).body.connection.state).toBe('stopped');
    await call(app, 'POST', `/api/rooms/${on.id}/feature`, { code: '5' });
    bili.plain(danmu('+1', 1, '老乡'));
    await until('an order after the restart', async () => (await call(app!, 'GET', `/api/orders?roomId=${on.id}`)).body.length === 1);
  });

  it('restart a running adapter when its configuration changes', async () => {
    bili = await fakeBilibili();
    app = await buildTestApp();
    const room = (await call(app, 'POST', '/api/rooms', { name: '间', platform: 'bilibili', config: { roomId: 1, url: bili.url } })).body;
    await call(app, 'POST', `/api/rooms/${room.id}/connect`);
    await until('auth', () => bili!.auths.length === 1);
    await call(app, 'PATCH', `/api/rooms/${room.id}`, { config: { roomId: 2, url: bili.url } });
    await until('re-auth with the new room id', () => bili!.auths.length === 2);
    expect(bili.auths[1]!.roomid).toBe(2);
    // A change that is not the configuration does not reconnect.
    await call(app, 'PATCH', `/api/rooms/${room.id}`, { name: '新名字' });
    await new Promise((r) => setTimeout(r, 300));
    expect(bili.auths).toHaveLength(2);
  });

  it('keeps a room that cannot reach its platform reconnecting, with the reason, without touching other rooms', async () => {
    app = await buildTestApp();
    const room = (await call(app, 'POST', '/api/rooms', { name: '间', platform: 'relay', config: { url: 'ws://127.0.0.1:9/nothing-here' } })).body;
    await call(app, 'POST', `/api/rooms/${room.id}/connect`);
    await until('reconnecting', async () => (await call(app!, 'GET', `/api/rooms/${room.id}`)).body.connection.state === 'reconnecting');
    expect((await call(app, 'GET', `/api/rooms/${room.id}`)).body.connection.error).toMatch(/ECONNREFUSED|closed/);
    const push = (await call(app, 'POST', '/api/rooms', { name: '推送', platform: 'push' })).body;
    expect(push.connection.state).toBe('live');
  });

  it('refuse an unknown platform, listing the ones there are', async () => {
    app = await buildTestApp();
    const res = await call(app, 'POST', '/api/rooms', { name: '间', platform: 'tiktok' });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('bilibili, douyin, kuaishou, push, relay, simulator, twitch, youtube');
  });
});
