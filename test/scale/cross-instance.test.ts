/**
 * What one instance does is at once true on the others: a product added on one is orderable
 * through another, and a line for a room's live chat (an official's answer, a combined Q&A answer)
 * goes out through the instance that runs the room, whichever instance it starts on. Two apps in
 * this process share one PostgreSQL database and the real Redis.
 */
import type { AddressInfo } from 'node:net';
import { io as connectSocket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { fakeTwitch, type FakeTwitch } from '../fakes/twitch.ts';
import { buildTestApp, call, say, setupShop, until } from '../helper.ts';
import { freshPostgresUrl, reachable } from '../postgres.ts';

const ready = (await reachable(5432)) && (await reachable(6379));
if (!ready) console.warn('\n*** SKIPPING CROSS-INSTANCE TESTS: PostgreSQL on 5432 or Redis on 6379 is not running (.ci/run starts them) ***\n');

let apps: App[] = [];
let twitch: FakeTwitch | undefined;
afterEach(async () => {
  for (const app of apps) await app.close();
  apps = [];
  await twitch?.close();
});

/** Two apps on one fresh PostgreSQL database and the real Redis, closed after the test. */
async function twoInstances(): Promise<[App, App]> {
  const config = { databaseUrl: await freshPostgresUrl(), redisUrl: 'redis://127.0.0.1:6379' };
  const a = await buildTestApp(config);
  const b = await buildTestApp(config);
  apps = [a, b];
  return [a, b];
}

/** Product N8, added on `app` after the other instance has read the codes; a moment for any cache to pass. */
async function addWalnuts(app: App, shop: Awaited<ReturnType<typeof setupShop>>): Promise<void> {
  const added = await call(app, 'POST', '/api/products', { code: 'N8', name: '新到的核桃', unit: '袋', priceFen: 3900, stock: 3, sources: [{ householdId: shop.households[0]!.id, share: 1 }] });
  expect(added.status).toBe(201);
  await new Promise((r) => setTimeout(r, 150));
}

describe.skipIf(!ready)('across instances', () => {
  it('are one deployment however each spells the database URL: an overlay on one hears what the other does', async () => {
    const url = await freshPostgresUrl();
    const other = new URL(url);
    other.hostname = 'localhost';
    const a = await buildTestApp({ databaseUrl: url, redisUrl: 'redis://127.0.0.1:6379' });
    const b = await buildTestApp({ databaseUrl: other.toString(), redisUrl: 'redis://localhost:6379' });
    apps = [a, b];
    const shop = await setupShop(a);
    await b.listen({ port: 0, host: '127.0.0.1' });
    const socket = connectSocket(`http://127.0.0.1:${(b.server.address() as AddressInfo).port}/overlay`, {
      auth: { room: shop.room.id, token: shop.room.overlayToken },
      transports: ['websocket'],
    });
    const featured: string[] = [];
    socket.on('feature', (card: { name: string } | null) => card && featured.push(card.name));
    try {
      await new Promise((resolve) => socket.once('state', resolve));
      await call(a, 'POST', `/api/rooms/${shop.room.id}/feature`, { code: '1' });
      await until('feature from the other instance', () => featured.includes('产品1'));
    } finally {
      socket.close();
    }
  });

  it('a product added on one instance is orderable through another at once', async () => {
    const [a, b] = await twoInstances();
    const shop = await setupShop(a);
    // B has read the codes just now, before the new product existed.
    expect((await say(b, shop.room.id, '买1号')).body.order.status).toBe('held');
    await addWalnuts(a, shop);
    const order = await say(b, shop.room.id, '买N8');
    expect(order.body.order?.lines[0].code).toBe('N8');
    // A code no instance has stays chatter.
    expect((await say(b, shop.room.id, '买N9')).body.order).toBeUndefined();
  });

  it('a product added on one instance is orderable at once through a live adapter another instance runs', async () => {
    // The adapter path settles chatter from the codes it has; an unknown code must still be looked up again.
    twitch = await fakeTwitch();
    const [a, b] = await twoInstances();
    const shop = await setupShop(a);
    const room = (await call(a, 'POST', '/api/rooms', { name: 'tw', platform: 'twitch', config: { channel: 'farm', url: twitch.url } })).body;
    // B runs the room, and has the codes loaded before A adds the new product.
    await call(b, 'POST', `/api/rooms/${room.id}/connect`);
    await until('twitch joined', () => twitch!.joined.size === 1);
    twitch.say('#farm', { id: 'm1', userId: '7', login: 'wang', display: '老王', text: '买1号' });
    await until('first order', async () => (await call(a, 'GET', `/api/orders?roomId=${room.id}`)).body.length === 1);
    await addWalnuts(a, shop);
    twitch.say('#farm', { id: 'm2', userId: '8', login: 'li', display: '小李', text: '买N8' });
    await until('order for the new product', async () => (await call(a, 'GET', `/api/orders?roomId=${room.id}`)).body.some((o: { lines: { code: string }[] }) => o.lines[0]!.code === 'N8'));
  });

  it('a chat line reaches the chat once, through the owner, from either instance', async () => {
    twitch = await fakeTwitch();
    const [a, b] = await twoInstances();
    // socket.io's server-side messages between instances need each one's engine attached.
    await Promise.all(apps.map((app) => app.listen({ port: 0, host: '127.0.0.1' })));

    const room = (await call(a, 'POST', '/api/rooms', { name: 'tw', platform: 'twitch', config: { channel: 'farm', url: twitch.url, token: 'abcdefghijklmnop', username: 'bot' } })).body;
    await call(a, 'POST', `/api/rooms/${room.id}/connect`);
    await until('twitch joined', () => twitch!.joined.size === 1);
    const [owner, other] = a.connections.outboundOf(room.id) ? [a, b] : [b, a];
    expect(other.connections.outboundOf(room.id)).toBeUndefined();

    other.realtime.say(room.id, '@张三 村道下个月开工（来源：乡政府）');
    owner.realtime.say(room.id, '@李四 补贴已到账');
    await until('both lines in chat', () => twitch!.sent.length >= 2);
    await new Promise((r) => setTimeout(r, 500));
    expect(twitch.sent.map((m) => m.text).sort()).toEqual(['@张三 村道下个月开工（来源：乡政府）', '@李四 补贴已到账'].sort());
  });
});
