import type { AddressInfo } from 'node:net';
import { io as connectSocket, type ManagerOptions, type SocketOptions } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { buildTestApp, setupShop } from './helper.ts';

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
});
