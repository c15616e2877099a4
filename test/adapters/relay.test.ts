/**
 * The relay adapter against a local `ws` server speaking the relay's JSON-lines protocol:
 * chat lines into orders, garbage dropped without losing the connection, reconnects without
 * duplicate orders, refused upgrades, the bearer token and the silence watchdog.
 */
import http from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import type { App } from '../../src/app.ts';
import type { Connection } from '../../src/rooms/runtime.ts';
import { buildTestApp, call, setupShop } from '../helper.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

async function until<T>(fn: () => T | Promise<T>, ms = 5000, what = 'condition'): Promise<Truthy<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (value) return value as Truthy<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(15);
  }
}

interface RelayServer {
  url: string;
  /** Every websocket the adapter opened, in order, with the upgrade request. */
  sockets: { ws: WebSocket; req: IncomingMessage }[];
  close(): Promise<void>;
}

/** A capture tool: a websocket server on 127.0.0.1; `onConnection` decides what it says. */
async function relayServer(onConnection: (ws: WebSocket, n: number, req: IncomingMessage) => void = () => {}): Promise<RelayServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const sockets: RelayServer['sockets'] = [];
  wss.on('connection', (ws, req) => {
    sockets.push({ ws, req });
    onConnection(ws, sockets.length - 1, req);
  });
  const { port } = wss.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };
}

let closers: (() => Promise<void>)[] = [];
let app: App;

beforeEach(async () => {
  app = await buildTestApp();
  await setupShop(app);
});

afterEach(async () => {
  await app.close();
  for (const close of closers.reverse()) await close();
  closers = [];
});

async function startRelay(onConnection?: (ws: WebSocket, n: number, req: IncomingMessage) => void) {
  const server = await relayServer(onConnection);
  closers.push(server.close);
  return server;
}

async function relayRoom(config: Record<string, unknown>) {
  const res = await call(app, 'POST', '/api/rooms', { name: '转发直播间', platform: 'relay', config });
  expect(res.status).toBe(201);
  const id = res.body.id as number;
  expect((await call(app, 'POST', `/api/rooms/${id}/feature`, { code: '5' })).status).toBe(200);
  return id;
}

const roomOf = async (id: number) => (await call(app, 'GET', `/api/rooms/${id}`)).body as { connection: Connection; stats: { messages: number; orders: number } };
type OrderRow = { id: number; messageId: string | null; buyer: { platform: string; userId: string; name: string }; lines: { code: string; qty: number }[] };
const ordersOf = async (id: number) => (await call(app, 'GET', `/api/orders?roomId=${id}`)).body as OrderRow[];

function recordStates(roomId: number): Connection[] {
  const states: Connection[] = [];
  app.events.on('connection', ({ roomId: id, ...connection }) => {
    if (id === roomId) states.push(connection);
  });
  return states;
}

const chat = (id: string, text: string, user = `u-${id}`, name = `买家${id}`) => JSON.stringify({ id, user: { id: user, name }, text, ts: Date.now() });

async function connectLive(id: number) {
  const res = await call(app, 'POST', `/api/rooms/${id}/connect`);
  expect(res.status).toBe(200);
  await until(async () => (await roomOf(id)).connection.state === 'live', 5000, 'live');
}

describe('relay adapter', () => {
  it('turns JSON chat lines into orders, several lines to a frame too', async () => {
    const server = await startRelay();
    const id = await relayRoom({ url: server.url });
    await connectLive(id);
    const ws = (await until(() => server.sockets[0], 3000, 'the connection')).ws;

    ws.send(chat('r-1', '买3号 2份', 'buyer-1', '阿英'));
    ws.send([chat('r-2', '+1', 'buyer-2'), chat('r-3', '买A1', 'buyer-3'), '', chat('r-4', '主播好！', 'buyer-4'), chat('r-5', '#1 3', 'buyer-5')].join('\n') + '\n');

    const orders = await until(async () => {
      const list = await ordersOf(id);
      return list.length >= 4 && list;
    }, 5000, 'four orders');
    const byMessage = new Map(orders.map((o) => [o.messageId, o]));
    expect(orders).toHaveLength(4);
    expect(byMessage.get('r-1')).toMatchObject({ buyer: { platform: 'relay', userId: 'buyer-1', name: '阿英' }, lines: [{ code: '3', qty: 2 }] });
    expect(byMessage.get('r-2')!.lines).toEqual([expect.objectContaining({ code: '5', qty: 1 })]);
    expect(byMessage.get('r-3')!.lines).toEqual([expect.objectContaining({ code: 'A1', qty: 1 })]);
    expect(byMessage.get('r-5')!.lines).toEqual([expect.objectContaining({ code: '1', qty: 3 })]);
    await until(async () => (await roomOf(id)).stats.messages === 5, 2000, 'five messages counted');
  });

  it('reads a frame of thousands of lines a slice at a time, in order, letting the server serve others meanwhile', async () => {
    const server = await startRelay();
    const id = await relayRoom({ url: server.url });
    await connectLive(id);
    const ws = (await until(() => server.sockets[0], 3000, 'the connection')).ws;
    const likes: number[] = [];
    let turns = 0;
    const turnsAt: number[] = [];
    app.events.on('platform', ({ roomId, event }) => {
      if (roomId !== id || event.kind !== 'like') return;
      likes.push(event.count);
      turnsAt.push(turns);
    });
    const ticker = setInterval(() => turns++, 1);
    try {
      // 20,000 lines in one frame, then a frame with one more: both read, in the order sent.
      ws.send(Array.from({ length: 20_000 }, (_, i) => JSON.stringify({ type: 'like', count: i })).join('\n'));
      ws.send(JSON.stringify({ type: 'like', count: 20_000 }));
      await until(() => likes.length === 20_001, 15_000, 'every line');
    } finally {
      clearInterval(ticker);
    }
    expect(likes).toEqual(Array.from({ length: 20_001 }, (_, i) => i));
    // Timers ran between the frame's first line and its last: it was not read in one go.
    expect(turnsAt.at(-2)! - turnsAt[0]!).toBeGreaterThan(0);
    // A frame of three million newlines and one event: read in moments (taking slices off the
    // front of the list once took 44 s of CPU for such a frame).
    ws.send(`${'\n'.repeat(3_000_000)}${JSON.stringify({ type: 'like', count: -1 })}`);
    await until(() => likes.at(-1) === -1, 10_000, 'the line after the newlines');
  });

  it('handles every line of a big frame even when the server closes right after sending it', async () => {
    const server = await startRelay();
    const id = await relayRoom({ url: server.url });
    await connectLive(id);
    const ws = (await until(() => server.sockets[0], 3000, 'the connection')).ws;
    const likes: number[] = [];
    app.events.on('platform', ({ roomId, event }) => roomId === id && event.kind === 'like' && likes.push(event.count));
    ws.send(Array.from({ length: 20_000 }, (_, i) => JSON.stringify({ type: 'like', count: i })).join('\n'));
    ws.close();
    await until(() => likes.length === 20_000, 10_000, 'every line');
    expect(likes.at(-1)).toBe(19_999);
  });

  it('drops garbage lines and keeps the connection: a later valid line still becomes an order', async () => {
    const server = await startRelay();
    const id = await relayRoom({ url: server.url });
    await connectLive(id);
    const ws = (await until(() => server.sockets[0], 3000, 'the connection')).ws;

    const garbage = [
      'not json at all',
      '{"id":"g-1","user":{"id":"u","name":"x"},"text":"买3号"', // cut off
      'null',
      '42',
      '"买3号"',
      '[{"id":"g-2","user":{"id":"u"},"text":"买3号"}]',
      JSON.stringify({ id: 'g-3', text: '买3号' }), // no user
      JSON.stringify({ id: 'g-4', user: { name: '无名' }, text: '买3号' }), // user without id
      JSON.stringify({ user: { id: 'u-g5' }, text: '买3号' }), // no id
      JSON.stringify({ id: 'g-6', user: { id: 'u-g6' }, text: { zh: '买3号' } }), // text not a string
      JSON.stringify({ type: 'explosion', id: 'g-7', user: { id: 'u-g7' }, text: '买3号' }),
      JSON.stringify({ type: 'gift', user: { id: 'u-g8' } }), // gift without an id
      JSON.stringify({ type: 'like', count: 'many' }),
      chat('g-9', `买3号${'啊'.repeat(2100)}`, 'u-g9'), // longer than any typed chat
    ];
    ws.send(garbage.join('\n'));
    for (const line of garbage) ws.send(line);
    ws.send(Buffer.from([0xff, 0xfe, 0x00, 0x7b]));
    await sleep(200);
    expect(await ordersOf(id)).toEqual([]);

    ws.send(chat('ok-1', '买3号', 'u-ok'));
    const orders = await until(async () => {
      const list = await ordersOf(id);
      return list.length > 0 && list;
    }, 5000, 'the valid order');
    expect(orders.map((o) => o.messageId)).toEqual(['ok-1']);
    const room = await roomOf(id);
    // Only the valid line reached the pipeline: the overlong one was dropped before it.
    expect(room.stats.messages).toBe(1);
    expect(room.connection.state).toBe('live');
    expect(server.sockets).toHaveLength(1);
    expect(ws.readyState).toBe(ws.OPEN);
  });

  it('reconnects when the server closes the socket, without a duplicate order for a resent message', async () => {
    const server = await startRelay((ws, n) => {
      if (n === 0) ws.send(chat('dup-1', '买3号 2份', 'u-dup'));
      else ws.send([chat('dup-1', '买3号 2份', 'u-dup'), chat('after-1', '买1号', 'u-after')].join('\n'));
    });
    const id = await relayRoom({ url: server.url });
    const states = recordStates(id);
    await connectLive(id);
    await until(async () => (await ordersOf(id)).length === 1, 5000, 'the first order');

    server.sockets[0]!.ws.close(1001, 'going away');
    await until(() => server.sockets.length >= 2, 5000, 'a second connection');
    await until(async () => (await ordersOf(id)).some((o) => o.messageId === 'after-1'), 5000, 'the order after the reconnect');
    await until(async () => (await roomOf(id)).connection.state === 'live', 3000, 'live again');
    await sleep(100);

    const orders = await ordersOf(id);
    expect(orders.map((o) => o.messageId).sort()).toEqual(['after-1', 'dup-1']);
    expect(orders.find((o) => o.messageId === 'dup-1')!.lines).toEqual([expect.objectContaining({ code: '3', qty: 2 })]);
    const names = states.map((s) => s.state);
    expect(names.indexOf('reconnecting')).toBeGreaterThan(names.indexOf('live'));
    expect(states.find((s) => s.state === 'reconnecting')!.error).toContain('1001');
    expect(names.at(-1)).toBe('live');
  });

  it.each([401, 403])('goes to state error when the upgrade is answered with HTTP %i, and does not retry', async (status) => {
    let upgrades = 0;
    const server = http.createServer((_req, res) => res.writeHead(404).end());
    server.on('upgrade', (_req: IncomingMessage, socket: Socket) => {
      upgrades++;
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: text/plain\r\nContent-Length: 6\r\nConnection: close\r\n\r\nno way`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const id = await relayRoom({ url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}` });
    await call(app, 'POST', `/api/rooms/${id}/connect`);

    const room = await until(async () => {
      const r = await roomOf(id);
      return r.connection.state === 'error' && r;
    }, 5000, 'state error');
    expect(room.connection.error).toContain(String(status));
    await sleep(1200);
    expect(upgrades).toBe(1);
    expect((await roomOf(id)).connection.state).toBe('error');
  });

  it('retries when the upgrade is answered with HTTP 503', async () => {
    let upgrades = 0;
    const server = http.createServer((_req, res) => res.writeHead(404).end());
    server.on('upgrade', (_req: IncomingMessage, socket: Socket) => {
      upgrades++;
      socket.end('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const id = await relayRoom({ url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}` });
    const states = recordStates(id);
    await call(app, 'POST', `/api/rooms/${id}/connect`);
    await until(() => upgrades >= 2, 5000, 'a second attempt');
    expect(states.find((s) => s.error !== undefined)).toEqual({ state: 'reconnecting', error: expect.stringContaining('503') });
    expect(states.map((s) => s.state)).not.toContain('error');
    expect((await roomOf(id)).connection.state).toBe('reconnecting');
  });

  it('backs off from a server that accepts every connection and closes it at once', async () => {
    const server = await startRelay((ws) => ws.close(1011));
    const id = await relayRoom({ url: server.url });
    await call(app, 'POST', `/api/rooms/${id}/connect`);
    await sleep(5000);
    // 0.5, 1, 2, 4 s (each 50–100 % of that): at most six tries in 5 s. Reset to the first step on
    // every open, it retried ~2.6 times a second for ever (13 here).
    expect(server.sockets.length).toBeGreaterThanOrEqual(2);
    expect(server.sockets.length).toBeLessThanOrEqual(6);
  }, 15_000);

  it('sends config.token as Authorization: Bearer', async () => {
    const server = await startRelay();
    const id = await relayRoom({ url: server.url, token: 's3cret-relay-token' });
    await connectLive(id);
    const { req } = await until(() => server.sockets[0], 3000, 'the connection');
    expect(req.headers.authorization).toBe('Bearer s3cret-relay-token');
  });

  it('sends no Authorization header without a token', async () => {
    const server = await startRelay();
    const id = await relayRoom({ url: server.url });
    await connectLive(id);
    const { req } = await until(() => server.sockets[0], 3000, 'the connection');
    expect(req.headers.authorization).toBeUndefined();
  });

  it('reconnects a connection that accepts and then says nothing (watchdog)', async () => {
    const server = await startRelay();
    const id = await relayRoom({ url: server.url, watchdogMs: 600, pingMs: 60_000 });
    const states = recordStates(id);
    const started = Date.now();
    await connectLive(id);
    await until(() => server.sockets.length >= 2, 4000, 'a new connection after the silence');
    // Not before the watchdog's limit.
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    const reconnect = states.find((s) => s.state === 'reconnecting');
    expect(reconnect?.error).toMatch(/silent/);
    // The silent socket was given up, not left open beside the new one.
    await until(() => server.sockets[0]!.ws.readyState === server.sockets[0]!.ws.CLOSED, 3000, 'the old socket closed');
  });

  it('keeps a quiet connection whose pings are answered', async () => {
    const server = await startRelay();
    const id = await relayRoom({ url: server.url, watchdogMs: 600, pingMs: 100 });
    await connectLive(id);
    await sleep(1800);
    expect(server.sockets).toHaveLength(1);
    expect((await roomOf(id)).connection.state).toBe('live');
  });

  it('reconnects when pongs stop coming back', async () => {
    const server = await startRelay((ws, n) => {
      // The first peer hangs: it reads nothing more, so it answers no pings.
      if (n === 0) (ws as unknown as { _socket: Socket })._socket.pause();
    });
    const id = await relayRoom({ url: server.url, watchdogMs: 600, pingMs: 100 });
    await connectLive(id);
    await until(() => server.sockets.length >= 2, 4000, 'a new connection after pongs stopped');
    await until(async () => (await roomOf(id)).connection.state === 'live', 3000, 'live again');
    // The second peer answers pings: it is kept.
    await sleep(1000);
    expect(server.sockets).toHaveLength(2);
  });
});
