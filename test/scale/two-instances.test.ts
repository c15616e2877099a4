/**
 * The scale-out mode end to end: two servers (`npm start`, each its own process) on loopback,
 * sharing one PostgreSQL database and one Redis, act as one. Runs in the postgres project.
 */
import { io as connectSocket, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeTwitch, type FakeTwitch } from '../fakes/twitch.ts';
import { until } from '../helper.ts';
import { freshPostgresUrl, reachable } from '../postgres.ts';
import { startServer, type Started } from '../process.ts';

const REDIS_PORT = 6379;
const redisUp = await reachable(REDIS_PORT);
if (!redisUp) console.warn(`\n*** SKIPPING SCALE-OUT TESTS: nothing answers on 127.0.0.1:${REDIS_PORT} (.ci/run starts Redis) ***\n`);
const ready = redisUp && (await reachable(5432));
let env: Record<string, string>;
let A: Started;
let B: Started;
let token: string;
const servers: Started[] = [];

async function start(): Promise<Started> {
  const server = await startServer(env);
  servers.push(server);
  return server;
}

async function api(server: Started, method: string, url: string, body?: unknown) {
  const res = await fetch(server.base + url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, body: (await res.json().catch(() => undefined)) as any };
}

/** The server whose process runs the room, by the `host:pid` its connection state names. */
function ownerAmong(servers: Started[], connection: { instance?: string }): Started {
  const owner = servers.find((s) => connection.instance?.endsWith(`:${s.proc.pid}`));
  if (!owner) throw new Error(`no server runs the room: ${JSON.stringify(connection)}`);
  return owner;
}

const adminTokenOf = (server: Started) => /Admin token:\s+(\S+)/.exec(server.output())?.[1];

let householdId: number;
let roomId: number;
let overlayToken: string;

beforeAll(async () => {
  if (!ready) return;
  // No ADMIN_TOKEN: the first instance generates one and both must agree on it through the database.
  env = { DATABASE_URL: await freshPostgresUrl(), REDIS_URL: `redis://127.0.0.1:${REDIS_PORT}`, LOG_LEVEL: 'warn' };
  [A, B] = await Promise.all([start(), start()]);
  token = adminTokenOf(A)!;

  householdId = (await api(A, 'POST', '/api/households', { name: '王大山', village: '石门村', povertyStatus: 'monitored' })).body.id;
  const other = (await api(A, 'POST', '/api/households', { name: '李秀英', village: '石门村', povertyStatus: 'lifted' })).body.id;
  const sources = [{ householdId, share: 2 }, { householdId: other, share: 1 }];
  await api(A, 'POST', '/api/products', { code: '3', name: '高山土豆', unit: '箱', priceFen: 2999, stock: 1000, sources });
  const room = (await api(B, 'POST', '/api/rooms', { name: '石门村直播间', platform: 'push', platformFeeRate: 0.05, commissionRate: 0.1, limits: { maxOpenOrdersPerBuyer: 1000 } })).body;
  roomId = room.id;
  overlayToken = room.overlayToken;
}, 120_000);

afterAll(async () => {
  for (const s of servers) s.proc.kill('SIGKILL');
});

describe.skipIf(!ready)('two instances on PostgreSQL and Redis', () => {
  it('share the admin token and product photos through the database', async () => {
    expect(token).toMatch(/^\S{20,}$/);
    expect(adminTokenOf(B)).toBe(token);
    const product = (await api(A, 'GET', '/api/products')).body[0];
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
    const form = new FormData();
    form.append('photo', new Blob([png], { type: 'image/png' }), 'p.png');
    const uploaded = await fetch(`${A.base}/api/products/${product.id}/photo`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
    expect(uploaded.status).toBe(200);
    const { photoUrl } = await uploaded.json();
    const fromB = await fetch(`${B.base}${new URL(photoUrl).pathname}`);
    expect(fromB.status).toBe(200);
    expect(Buffer.from(await fromB.arrayBuffer()).equals(png)).toBe(true);
  });

  it('an overlay on B shows a product featured and an order placed through A', async () => {
    const socket: Socket = connectSocket(`${B.base}/overlay`, { auth: { room: roomId, token: overlayToken }, transports: ['websocket'] });
    const events: { name: string; data: unknown }[] = [];
    socket.onAny((name, data) => events.push({ name, data }));
    try {
      await until('overlay state from B', () => events.some((e) => e.name === 'state'));
      expect((await api(A, 'POST', `/api/rooms/${roomId}/feature`, { code: '3' })).status).toBe(200);
      await until('feature event on B', () => events.some((e) => e.name === 'feature' && (e.data as { name?: string })?.name === '高山土豆'));
      await api(A, 'POST', `/api/rooms/${roomId}/messages`, { id: 'overlay-1', user: { id: 'ov', name: '张三丰' }, text: '买3号' });
      await until('ticker event on B', () => events.some((e) => e.name === 'order' && (e.data as { product?: string })?.product === '高山土豆'));
      // A Q&A card shown through A is part of the overlay state a fresh page on B loads.
      const fresh: Socket = connectSocket(`${B.base}/overlay`, { auth: { room: roomId, token: overlayToken }, transports: ['websocket'] });
      const state = await new Promise<{ featured: { name: string } | null }>((resolve) => fresh.once('state', resolve));
      fresh.close();
      expect(state.featured?.name).toBe('高山土豆');
    } finally {
      socket.close();
    }
  });

  it('orders through both instances, replays crossing over, land once and tally to the fen', async () => {
    const before = (await api(B, 'GET', `/api/tallies?groupBy=household&roomId=${roomId}`)).body;
    const say = (server: Started, i: number) =>
      api(server, 'POST', `/api/rooms/${roomId}/messages`, { id: `both-${i}`, user: { id: `b${i}`, name: `买家${i}` }, text: '买3号 2份' });
    const first = await Promise.all(Array.from({ length: 60 }, (_, i) => say(i % 2 ? A : B, i)));
    expect(first.every((r) => r.status === 200 && r.body.order?.status === 'held')).toBe(true);
    // The same messages again, each through the other instance: the stored outcome, nothing new.
    const replays = await Promise.all(Array.from({ length: 60 }, (_, i) => say(i % 2 ? B : A, i)));
    expect(replays.map((r) => r.body.order?.id)).toEqual(first.map((r) => r.body.order?.id));

    const orders = (await api(A, 'GET', `/api/orders?roomId=${roomId}&limit=100000`)).body as { lines: { qty: number }[] }[];
    expect(orders.filter((o) => o.lines[0]!.qty === 2)).toHaveLength(60);
    const after = (await api(B, 'GET', `/api/tallies?groupBy=household&roomId=${roomId}`)).body;
    const gross = (rows: { grossFen: number }[]) => rows.reduce((a, r) => a + r.grossFen, 0);
    // 60 orders × 2 boxes × ¥29.99, split 2:1 between the two households with no fen lost.
    expect(gross(after) - gross(before)).toBe(60 * 2 * 2999);
    expect((await api(A, 'GET', `/api/tallies?groupBy=household&roomId=${roomId}`)).body).toEqual(after);
  });

  it('never oversells when 300 buyers stampede through both instances at once', async () => {
    const product = (await api(A, 'POST', '/api/products', { code: 'C7', name: '限量蜂蜜', unit: '瓶', priceFen: 100, stock: 5, sources: [{ householdId, share: 1 }] })).body;
    const replies = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        api(i % 2 ? A : B, 'POST', `/api/rooms/${roomId}/messages`, { id: `rush-${i}`, user: { id: `r${i}`, name: `抢${i}` }, text: '买C7' }),
      ),
    );
    expect(replies.every((r) => r.status === 200)).toBe(true);
    const orders = (await api(B, 'GET', `/api/orders?roomId=${roomId}&limit=100000`)).body as { status: string; lines: { code: string }[] }[];
    const count = (status: string) => orders.filter((o) => o.status === status && o.lines[0]!.code === 'C7').length;
    expect([count('held'), count('waitlisted')]).toEqual([5, 295]);
    expect((await api(A, 'GET', `/api/products/${product.id}`)).body.stock).toBe(0);
  });
});

describe.skipIf(!ready)('room ownership across instances', () => {
  let twitch: FakeTwitch;
  beforeAll(async () => {
    twitch = await fakeTwitch();
  });
  afterAll(async () => twitch?.close());

  it('runs a room on exactly one instance and moves it within 15 s when that instance dies, without doubling orders', async () => {
    const room = (await api(A, 'POST', '/api/rooms', { name: 'tw', platform: 'twitch', config: { channel: 'farm', url: twitch.url } })).body;
    await api(B, 'POST', `/api/rooms/${room.id}/connect`);
    await until('twitch joined', () => twitch.joined.size === 1, 15_000);
    // Another round on each instance, and still one connection.
    await new Promise((r) => setTimeout(r, 4000));
    expect(twitch.joined.size).toBe(1);
    expect(twitch.joins).toHaveLength(1);
    for (const server of [A, B]) expect((await api(server, 'GET', `/api/rooms/${room.id}`)).body.connection.state).toBe('live');

    let said = 0;
    const orderCount = async (server: Started) => ((await api(server, 'GET', `/api/orders?roomId=${room.id}&limit=100000`)).body as unknown[]).length;
    const sayAndSee = async (server: Started) => {
      const before = await orderCount(server);
      twitch.say('#farm', { id: `tw-${said}`, userId: `${said}`, login: `f${said}`, display: `F${said}`, text: '买3号' });
      said++;
      await until('order from twitch chat', async () => (await orderCount(server)) > before, 10_000);
    };
    await sayAndSee(A);

    // Kill the instance that runs the room: the room must come back on the other, once.
    const view = async (server: Started) => (await api(server, 'GET', `/api/rooms/${room.id}`)).body.connection as { state: string; instance?: string };
    const owner = ownerAmong([A, B], await view(A));
    const survivor = owner === A ? B : A;
    expect((await view(survivor)).instance).toBe((await view(owner)).instance);
    const joinsBefore = twitch.joins.length;
    const killedAt = Date.now();
    owner.proc.kill('SIGKILL');
    await owner.exit;
    await until(
      'room taken over by the survivor',
      async () => twitch.joins.length > joinsBefore && twitch.joined.size === 1 && (await view(survivor)).instance?.endsWith(`:${survivor.proc.pid}`) === true,
      15_000,
    );
    expect(Date.now() - killedAt).toBeLessThan(15_000);
    await sayAndSee(survivor);

    // The dead instance back on its feet does not take the room back.
    const restarted = await start();
    if (owner === A) A = restarted;
    else B = restarted;
    await new Promise((r) => setTimeout(r, 4000));
    expect(twitch.joins).toHaveLength(2);
    expect((await view(restarted)).instance).toBe((await view(survivor)).instance);

    // A replay of an earlier message after the takeover is the stored order, not a new one.
    const total = await orderCount(survivor);
    twitch.say('#farm', { id: 'tw-0', userId: '0', login: 'f0', display: 'F0', text: '买3号' });
    await new Promise((r) => setTimeout(r, 1500));
    expect(await orderCount(restarted)).toBe(total);
    expect(total).toBe(said);
  });
});
