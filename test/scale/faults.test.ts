/**
 * The scale-out engines failing: out of reach at start (a clear error naming which and where),
 * and lost while running (PostgreSQL: coded 503s, nothing acknowledged lost, recovery when it is
 * back; Redis: orders go on, fan-out resumes when it is back). The engines are real; a TCP proxy
 * in front of them is what gets cut. Runs in the postgres project.
 */
import type { AddressInfo } from 'node:net';
import { io as connectSocket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { openPostgresStore } from '../../src/store/postgres/store.ts';
import { tcpProxy, type TcpProxy } from '../fakes/tcp-proxy.ts';
import { buildTestApp, call, say, setupShop, until } from '../helper.ts';
import { freshPostgresUrl, reachable } from '../postgres.ts';
import { startServer } from '../process.ts';

const ready = (await reachable(5432)) && (await reachable(6379));
if (!ready) console.warn('\n*** SKIPPING SCALE-OUT FAULT TESTS: PostgreSQL on 5432 or Redis on 6379 is not running (.ci/run starts them) ***\n');

const apps: App[] = [];
const proxies: TcpProxy[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close().catch(() => {});
  for (const proxy of proxies.splice(0)) await proxy.close();
});

async function proxied(port: number): Promise<TcpProxy> {
  const proxy = await tcpProxy(port);
  proxies.push(proxy);
  return proxy;
}

function viaPort(url: string, port: number): string {
  const u = new URL(url);
  u.port = String(port);
  return u.toString();
}

describe.skipIf(!ready)('an engine out of reach at start', () => {
  it('PostgreSQL: the server exits with an error naming it and where', async () => {
    const failed = await startServer({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nongbo' }).catch((err: Error) => err.message);
    expect(failed).toMatch(/exited \(1\)/);
    expect(failed).toContain('PostgreSQL at 127.0.0.1:1/nongbo is not reachable');
    expect(failed).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });

  it('Redis: the server exits with an error naming it and where', async () => {
    const failed = await startServer({ DATABASE_URL: await freshPostgresUrl(), REDIS_URL: 'redis://127.0.0.1:1' }).catch((err: Error) => err.message);
    expect(failed).toMatch(/exited \(1\)/);
    expect(failed).toContain('Redis at 127.0.0.1:1 is not reachable');
  });
});

describe.skipIf(!ready)('an engine lost while running', () => {
  it('PostgreSQL: rooms locked at the same moment share one lock connection, and closing never waits on a lost one', async () => {
    const store = await openPostgresStore(await freshPostgresUrl());
    const pool = (store as unknown as { pool: { totalCount: number } }).pool;
    // Two lock connections used to open here; the second overwrote the first, which was never released.
    expect(await Promise.all([store.lockRoom(1), store.lockRoom(2), store.lockRoom(3)])).toEqual([true, true, true]);
    expect(pool.totalCount).toBe(1);
    // A lock connection still opening when the store closes is given back, not kept.
    const late = store.lockRoom(4).catch((err: unknown) => err);
    await store.close();
    expect(await late).toBeInstanceOf(Error);
    expect(pool.totalCount).toBe(0);
  });

  it('PostgreSQL: the health check answers while every pooled connection is busy', async () => {
    const app = await buildTestApp({ databaseUrl: await freshPostgresUrl() });
    apps.push(app);
    const pool = (app.store as unknown as { pool: { query(sql: string): Promise<unknown>; options: { max: number } } }).pool;
    // A stampede holding the whole pool: a check queued behind it would say the instance is dead.
    const busy = Array.from({ length: pool.options.max }, () => pool.query('select pg_sleep(3)'));
    await new Promise((r) => setTimeout(r, 200));
    const health = await app.inject({ url: '/api/health' });
    expect([health.statusCode, health.json()]).toEqual([200, { status: 'ok' }]);
    await Promise.all(busy);
  });

  it('PostgreSQL: requests fail with a coded 503, nothing acknowledged is lost, and the app recovers', async () => {
    const pg = await proxied(5432);
    const app = await buildTestApp({ databaseUrl: viaPort(await freshPostgresUrl(), pg.port) });
    apps.push(app);
    const shop = await setupShop(app, { stock: 1000 });

    // A stream of orders with the database cut in the middle of it.
    const acked: string[] = [];
    const refused: { id: string; status: number; code?: string }[] = [];
    const send = async (i: number) => {
      const res = await say(app, shop.room.id, '买1号', { id: `cut-${i}`, user: `c${i}` });
      if (res.status === 200) acked.push(`cut-${i}`);
      else refused.push({ id: `cut-${i}`, status: res.status, code: res.body?.error?.code });
    };
    // Paced, so that the stream outlasts the outage and goes on after it.
    const stream = (async () => {
      for (let i = 0; i < 200; i++) {
        await send(i);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    await until('some orders stored', () => acked.length >= 20);
    await pg.cut();
    await until('a refusal while the database is away', () => refused.length > 0);
    const whileAway = await call(app, 'GET', '/api/orders');
    expect([whileAway.status, whileAway.body.error.code]).toEqual([503, 'DATABASE_UNAVAILABLE']);
    expect(whileAway.body.error.messageZh).toContain('数据库');
    // The failed query and its parameters stay in the log, not in the answer.
    expect(JSON.stringify(whileAway.body)).not.toMatch(/select|Failed query|params/i);
    // A load balancer asking the instance's health hears that it can take no order now.
    const health = await app.inject({ url: '/api/health' });
    expect([health.statusCode, health.json().error.code]).toEqual([503, 'DATABASE_UNAVAILABLE']);
    await new Promise((r) => setTimeout(r, 300));
    await pg.restore();
    await stream;

    expect(refused.every((r) => r.status === 503 && r.code === 'DATABASE_UNAVAILABLE')).toBe(true);
    expect(acked.length).toBeGreaterThan(20);
    // Recovered: the same requests work again without a restart.
    expect((await say(app, shop.room.id, '买1号', { id: 'after', user: 'after' })).status).toBe(200);
    expect((await app.inject({ url: '/api/health' })).json()).toEqual({ status: 'ok' });
    const orders = (await call(app, 'GET', `/api/orders?roomId=${shop.room.id}&limit=100000`)).body as { messageId: string | null; lines: { qty: number }[] }[];
    const stored = new Set(orders.map((o) => o.messageId));
    for (const id of acked) expect(stored.has(id)).toBe(true);
    // Retrying what was refused stores it once; retrying what was acknowledged changes nothing.
    for (const r of refused) expect((await say(app, shop.room.id, '买1号', { id: r.id, user: r.id })).status).toBe(200);
    for (const id of acked.slice(0, 10)) await say(app, shop.room.id, '买1号', { id, user: id });
    const final = (await call(app, 'GET', `/api/orders?roomId=${shop.room.id}&limit=100000`)).body as unknown[];
    expect(final).toHaveLength(201);
    const product = (await call(app, 'GET', `/api/products/${shop.products['1']!.id}`)).body;
    expect(product.stock).toBe(1000 - 201);
  });

  it('Redis: overlay events published while it is away time out without ending the process, and a shutdown does not wait for them', async () => {
    const redis = await proxied(6379);
    const databaseUrl = await freshPostgresUrl();
    const app = await buildTestApp({ databaseUrl, redisUrl: `redis://127.0.0.1:${redis.port}` });
    apps.push(app);
    const shop = await setupShop(app);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      await redis.cut();
      // socket.io publishes the event and never waits for it; Redis's client rejects it (the socket
      // closed under it, or 5 s in its offline queue), and the adapter never catches that.
      expect((await call(app, 'POST', `/api/rooms/${shop.room.id}/feature`, { code: '1' })).status).toBe(200);
      await new Promise((r) => setTimeout(r, 6500));
      expect(unhandled).toEqual([]);
      expect((await say(app, shop.room.id, '买1号')).body.order.status).toBe('held');
      // Shutting down while Redis is still away: its clients' queued commands can never go, and
      // closing must not wait for them (the test's hook timeout would catch a hang).
      apps.splice(apps.indexOf(app), 1);
      await app.close();
    } finally {
      await redis.restore();
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('Redis: orders go on while it is away, reads of room state get a coded 503, and all recovers once it is back', async () => {
    const redis = await proxied(6379);
    const databaseUrl = await freshPostgresUrl();
    const redisUrl = `redis://127.0.0.1:${redis.port}`;
    const a = await buildTestApp({ databaseUrl, redisUrl });
    apps.push(a);
    const b = await buildTestApp({ databaseUrl, redisUrl });
    apps.push(b);
    await b.listen({ port: 0, host: '127.0.0.1' });
    const shop = await setupShop(a);
    const port = (b.server.address() as AddressInfo).port;
    const socket = connectSocket(`http://127.0.0.1:${port}/overlay`, { auth: { room: shop.room.id, token: shop.room.overlayToken }, transports: ['websocket'] });
    const featured: string[] = [];
    socket.on('feature', (card: { name: string } | null) => card && featured.push(card.name));
    try {
      await new Promise((resolve) => socket.once('state', resolve));
      await call(a, 'POST', `/api/rooms/${shop.room.id}/feature`, { code: '1' });
      await until('feature through Redis', () => featured.includes('产品1'));

      await redis.cut();
      const order = await say(a, shop.room.id, '买3号');
      expect([order.status, order.body.order.status]).toEqual([200, 'held']);
      // What only Redis knows (another instance's room state) is refused with a code, not made up.
      const view = await call(b, 'GET', `/api/rooms/${shop.room.id}/chat`);
      expect([view.status, view.body.error?.code]).toEqual([503, 'REDIS_UNAVAILABLE']);

      await redis.restore();
      await until('room state readable again', async () => (await call(b, 'GET', `/api/rooms/${shop.room.id}/chat`)).status === 200, 20_000);
      // Once the clients have reconnected, what A does reaches B's overlay again.
      await until(
        'fan-out after Redis is back',
        async () => {
          await call(a, 'POST', `/api/rooms/${shop.room.id}/feature`, { code: 'A1' });
          await new Promise((r) => setTimeout(r, 300));
          return featured.includes('产品A1');
        },
        20_000,
      );
    } finally {
      socket.close();
    }
  });
});
