import zlib from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { fakeBilibili, danmu, packet, type FakeBilibili } from '../fakes/bilibili.ts';
import { buildTestApp, call, setupShop, until } from '../helper.ts';

let app: App;
let bili: FakeBilibili;
let roomId: number;

const state = async () => (await call(app, 'GET', `/api/rooms/${roomId}`)).body.connection;
const orders = async () => ((await call(app, 'GET', `/api/orders?roomId=${roomId}`)).body as { lines: { code: string; qty: number }[] }[]);

async function connect(config: Record<string, unknown> = {}) {
  const room = await call(app, 'POST', '/api/rooms', { name: 'B站', platform: 'bilibili', config: { roomId: 1001, key: 'secret-key', url: bili.url, ...config } });
  roomId = room.body.id;
  await call(app, 'POST', `/api/rooms/${roomId}/feature`, { code: '5' });
  expect((await call(app, 'POST', `/api/rooms/${roomId}/connect`)).status).toBe(200);
}

beforeEach(async () => {
  bili = await fakeBilibili();
  app = await buildTestApp();
  await setupShop(app);
});
afterEach(async () => {
  await app.close();
  await bili.close();
});

describe('bilibili adapter against a danmaku server', () => {
  it('authenticates with the room id and key, goes live, heartbeats, and turns danmaku into orders', async () => {
    await connect({ heartbeatMs: 100 });
    await until('live', async () => (await state()).state === 'live');
    expect(bili.auths[0]).toEqual({ uid: 0, roomid: 1001, protover: 3, platform: 'web', type: 2, key: 'secret-key' });
    await until('a heartbeat', () => bili.heartbeats >= 2);

    bili.plain(danmu('买3号 2份', 501, '山里人'));
    bili.zlib([danmu('拍1号', 502, '赶集'), danmu('主播好', 503, '路过')]);
    bili.brotli([danmu('#A1 3', 504, '阿妹'), danmu('+2', 505, '老乡'), danmu('3号好吃吗', 506, '问问')]);
    await until('4 orders', async () => (await orders()).length === 4);
    const lines = (await orders()).map((o) => `${o.lines[0]!.code}x${o.lines[0]!.qty}`).sort();
    expect(lines).toEqual(['1x1', '3x2', '5x2', 'A1x3']);
    const stats = (await call(app, 'GET', `/api/rooms/${roomId}`)).body.stats;
    expect(stats).toEqual({ messages: 6, orders: 4, questions: 0 });
  });

  it('drops garbage frames and keeps taking chat on the same connection', async () => {
    await connect();
    await until('live', async () => (await state()).state === 'live');
    const before = [...bili.sockets][0];
    bili.send(Buffer.from([0, 0, 0xff, 0xff, 0, 16, 0, 0, 0, 0, 0, 5, 0, 0, 0, 1, 1, 2, 3])); // length past the frame
    bili.send(packet(5, Buffer.from('not zlib at all'), 2));
    bili.send(Buffer.from([1, 2, 3]));
    bili.send(packet(5, '{"cmd":', 0));
    bili.send(packet(5, { cmd: 'DANMU_MSG', info: 'wrong shape' }, 0));
    bili.send(packet(5, { cmd: 'SOMETHING_NEW', data: {} }, 0));
    bili.send(packet(5, Buffer.from([0xff, 0xfe, 0x80]), 0));
    bili.plain(danmu('买1号', 600, '又来了'));
    await until('an order after the garbage', async () => (await orders()).length === 1);
    expect([...bili.sockets][0]).toBe(before);
    expect((await state()).state).toBe('live');
  });

  it('survives what a frame can hold: a body of 130,000 packets, a send time of 1e20, a sender without an id', async () => {
    await connect();
    await until('live', async () => (await state()).state === 'live');
    // Once a RangeError from the decoder, thrown inside the websocket listener: the process died.
    bili.send(packet(5, zlib.deflateSync(Buffer.concat(Array.from({ length: 130_000 }, () => packet(2, Buffer.alloc(0), 1)))), 2));
    // Once an Invalid Date: the order failed to store.
    bili.plain(danmu('买1号', 610, '穿越者', 1e20));
    // Nobody to attribute an order to: dropped, as the push route refuses it.
    bili.plain({ cmd: 'DANMU_MSG', info: [[0, 1, 25, 0, Date.now(), 0], '买1号', ['', '', 0]] });
    bili.plain(danmu('买3号', 611, '正常人'));
    await until('two orders', async () => (await orders()).length === 2);
    const stored = (await call(app, 'GET', `/api/orders?roomId=${roomId}`)).body as { buyer: { userId: string }; createdAt: string }[];
    expect(stored.map((o) => o.buyer.userId).sort()).toEqual(['610', '611']);
    expect((await state()).state).toBe('live');
  });

  it('reconnects after the server drops it, without doubling a danmaku delivered again', async () => {
    await connect();
    await until('live', async () => (await state()).state === 'live');
    const same = danmu('买1号', 700, '回放');
    bili.plain(same);
    await until('first order', async () => (await orders()).length === 1);
    bili.drop();
    await until('reconnected', () => bili.auths.length === 2 && bili.sockets.size === 1, 15_000);
    bili.plain(same);
    bili.plain(danmu('买3号', 701, '新人'));
    await until('second order', async () => (await orders()).length === 2);
    await new Promise((r) => setTimeout(r, 300));
    expect(await orders()).toHaveLength(2);
  });

  it('reconnects a connection that stays open but goes silent', async () => {
    await connect({ heartbeatMs: 100, watchdogMs: 500 });
    await until('live', async () => (await state()).state === 'live');
    bili.silent = true;
    await until('reconnecting', async () => (await state()).state === 'reconnecting', 5000);
    expect((await state()).error).toMatch(/silent/);
    bili.silent = false;
    await until('live again', async () => (await state()).state === 'live', 15_000);
    expect(bili.auths.length).toBeGreaterThanOrEqual(2);
  });

  it('goes to error, without retrying, when authentication is refused', async () => {
    bili.authCode = -101;
    await connect();
    await until('error', async () => (await state()).state === 'error');
    expect((await state()).error).toMatch(/authentication refused/);
    await new Promise((r) => setTimeout(r, 1500));
    expect(bili.auths).toHaveLength(1);
  });

  it('refuses a room configuration the platform cannot use', async () => {
    const res = await call(app, 'POST', '/api/rooms', { name: 'B站', platform: 'bilibili', config: { roomId: 'abc' } });
    expect([res.status, res.body.error.code]).toEqual([400, 'ROOM_CONFIG_INVALID']);
    const missing = await call(app, 'POST', '/api/rooms', { name: 'B站', platform: 'bilibili', config: {} });
    expect(missing.body.error.code).toBe('ROOM_CONFIG_INVALID');
  });

  it('stops on disconnect and stays stopped', async () => {
    await connect();
    await until('live', async () => (await state()).state === 'live');
    const room = (await call(app, 'POST', `/api/rooms/${roomId}/disconnect`)).body;
    expect(room.connection.state).toBe('stopped');
    expect(room.enabled).toBe(false);
    await until('socket closed', () => bili.sockets.size === 0);
    await new Promise((r) => setTimeout(r, 1500));
    expect(bili.auths).toHaveLength(1);
  });
});
