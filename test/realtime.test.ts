import type { AddressInfo } from 'node:net';
import { io as connectSocket, type ManagerOptions, type SocketOptions } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { buildTestApp, say, setupShop, TOKEN } from './helper.ts';

let app: App | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** Connects once, without retrying: `connected`, or the reason the server gave for refusing. */
function attempt(url: string, options: Partial<ManagerOptions & SocketOptions>): Promise<string> {
  return new Promise((resolve) => {
    const socket = connectSocket(url, { transports: ['websocket'], reconnection: false, ...options });
    socket.on('connect', () => {
      socket.close();
      resolve('connected');
    });
    socket.on('connect_error', (err) => {
      socket.close();
      resolve(err.message);
    });
  });
}

describe('live sockets', () => {
  it('refuse a panel socket from another origin or the opaque origin "null", and an overlay socket with a wrong token, and keep serving', async () => {
    app = await buildTestApp();
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const shop = await setupShop(app);
    // "null" is what a sandboxed page or a file:// page sends; it is no URL, and once crashed the server.
    expect(await attempt(`${base}/panel`, { extraHeaders: { origin: 'null' } })).toBe('unauthorized');
    expect(await attempt(`${base}/panel`, { extraHeaders: { origin: 'http://elsewhere.example' } })).toBe('unauthorized');
    expect(await attempt(`${base}/panel`, {})).toBe('unauthorized');
    expect(await attempt(`${base}/overlay`, { auth: { room: shop.room.id, token: 'wrong' } })).toBe('unauthorized');
    expect(await attempt(`${base}/overlay`, { auth: { room: 'x', token: shop.room.overlayToken } })).toBe('unauthorized');
    expect(await attempt(`${base}/overlay`, { auth: { room: shop.room.id, token: shop.room.overlayToken } })).toBe('connected');
    expect((await fetch(`${base}/api/health`)).status).toBe(200);
  });

  it('close a panel socket when its session logs out: an open panel stops receiving orders and buyer names', async () => {
    app = await buildTestApp();
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const shop = await setupShop(app);
    const login = await app.inject({ method: 'POST', url: '/api/session', payload: { token: TOKEN } });
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    const socket = connectSocket(`${base}/panel`, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie } });
    const orders: unknown[] = [];
    socket.on('order', (o: unknown) => orders.push(o));
    const closed = new Promise<string>((resolve) => socket.on('disconnect', resolve));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.emit('follow', shop.room.id);
    await new Promise((r) => setTimeout(r, 100));
    await say(app, shop.room.id, '买1号', { name: '甲' });
    await expect.poll(() => orders.length).toBe(1);
    // Gifts reach the panel without the platform's raw payload (which could be nested beyond any stack).
    const gifts: { event: Record<string, unknown> }[] = [];
    socket.on('platform', (p: { event: Record<string, unknown> }) => gifts.push(p));
    let deep: unknown = {};
    for (let i = 0; i < 10_000; i++) deep = { d: deep };
    const gift = { kind: 'gift', messageId: 'g1', user: { id: 'u', name: '甲' }, gift: '小心心', count: 1, sentAt: new Date(), raw: deep };
    app.events.emit('platform', { roomId: shop.room.id, event: gift as never });
    await expect.poll(() => gifts.length).toBe(1);
    expect(gifts[0]!.event).toMatchObject({ kind: 'gift', gift: '小心心' });
    expect(gifts[0]!.event).not.toHaveProperty('raw');

    const out = await app.inject({ method: 'DELETE', url: '/api/session', headers: { cookie, 'x-csrf-token': login.json().csrfToken } });
    expect(out.statusCode).toBe(204);
    expect(await closed).toBe('io server disconnect');
    await say(app, shop.room.id, '买1号', { name: '乙' });
    await new Promise((r) => setTimeout(r, 200));
    expect(orders).toHaveLength(1);
    // Its cookie opens no new one.
    expect(await attempt(`${base}/panel`, { extraHeaders: { cookie } })).toBe('unauthorized');
  });
});

describe('the Q&A card', () => {
  it('shows an official’s long answer cut with an ellipsis, not mid-word without a sign', async () => {
    app = await buildTestApp({ demo: true });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const room = (await app.inject({ method: 'POST', url: '/api/rooms', headers: { authorization: `Bearer ${TOKEN}` }, payload: { name: '问答', platform: 'push', qa: true } })).json();
    const socket = connectSocket(`${base}/overlay`, { transports: ['websocket'], reconnection: false, auth: { room: room.id, token: room.overlayToken } });
    const cards: ({ short: string; source: string } | null)[] = [];
    socket.on('qa', (card: { short: string; source: string } | null) => cards.push(card));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    await say(app, room.id, '贷款的事找谁办？', { name: '老杨' });
    const [queued] = (await app.inject({ url: `/api/questions?roomId=${room.id}&status=queued`, headers: { authorization: `Bearer ${TOKEN}` } })).json();
    const answer = '到村委会找第一书记登记，'.repeat(10);
    const res = await app.inject({ method: 'POST', url: `/api/questions/${queued.id}/answer`, headers: { authorization: `Bearer ${TOKEN}` }, payload: { answer } });
    expect(res.statusCode).toBe(200);
    await expect.poll(() => cards.length).toBe(1);
    expect([...cards[0]!.short]).toHaveLength(80);
    expect(cards[0]!.short.endsWith('…')).toBe(true);
    expect(answer.startsWith(cards[0]!.short.slice(0, -1))).toBe(true);
    // The streamer takes the card down before the next answer.
    const down = await app.inject({ method: 'DELETE', url: `/api/rooms/${room.id}/qa-card`, headers: { authorization: `Bearer ${TOKEN}` } });
    expect(down.statusCode).toBe(204);
    await expect.poll(() => cards.length).toBe(2);
    expect(cards[1]).toBeNull();
    socket.close();
  });
});
