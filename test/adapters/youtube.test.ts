/**
 * The YouTube adapter against a local server that speaks the Data API's liveChatMessages
 * list/insert wire format: polling at the interval the API asks for, page tokens, dedupe,
 * fatal and transient errors, and replies.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import type { Connection } from '../../src/rooms/runtime.ts';
import { buildTestApp, call, setupShop } from '../helper.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns something truthy; fails with `what` after `ms`. */
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

interface SeenRequest {
  at: number;
  method: string;
  url: URL;
  headers: http.IncomingHttpHeaders;
  body: string;
}

interface Answer {
  status?: number;
  /** A JSON value, or a raw string sent as is (for bodies that are not JSON). */
  body: unknown;
  raw?: boolean;
}

interface FakeYoutube {
  url: string;
  /** GET liveChat/messages requests, in arrival order. */
  polls: SeenRequest[];
  /** POST liveChat/messages (insert) requests. */
  inserts: SeenRequest[];
  close(): Promise<void>;
}

/**
 * A local liveChatMessages endpoint. `list(n, req)` answers the n-th poll (0-based); inserts are
 * answered with the created resource.
 */
async function fakeYoutube(list: (n: number, req: SeenRequest) => Answer): Promise<FakeYoutube> {
  const polls: SeenRequest[] = [];
  const inserts: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen: SeenRequest = {
        at: performance.now(),
        method: req.method ?? '',
        url: new URL(req.url ?? '/', 'http://127.0.0.1'),
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      if (seen.url.pathname !== '/youtube/v3/liveChat/messages') {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 404, errors: [{ reason: 'notFound' }] } }));
        return;
      }
      if (req.method === 'POST') {
        inserts.push(seen);
        const snippet = (JSON.parse(seen.body) as { snippet?: unknown }).snippet;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'youtube#liveChatMessage', id: `sent-${inserts.length}`, snippet }));
        return;
      }
      const n = polls.length;
      polls.push(seen);
      const answer = list(n, seen);
      const text = answer.raw ? String(answer.body) : JSON.stringify(answer.body);
      res.writeHead(answer.status ?? 200, { 'content-type': answer.raw ? 'text/html' : 'application/json' }).end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    polls,
    inserts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let seq = 0;
/** A textMessageEvent as liveChatMessages.list returns it. */
function chatItem(id: string, text: string, author = `UC-${id}`, name = `观众${id}`) {
  return {
    kind: 'youtube#liveChatMessage',
    id,
    snippet: {
      type: 'textMessageEvent',
      liveChatId: 'chat-1',
      authorChannelId: author,
      publishedAt: new Date().toISOString(),
      hasDisplayContent: true,
      displayMessage: text,
      textMessageDetails: { messageText: text },
    },
    authorDetails: { channelId: author, displayName: name, isChatOwner: false, isChatModerator: false, isChatSponsor: false, isVerified: false },
  };
}

/** A list response; page tokens are unique per test so a token left by an earlier test cannot pass for one of ours. */
function page(items: unknown[], nextPageToken: string, pollingIntervalMillis = 40): Answer {
  return {
    body: { kind: 'youtube#liveChatMessageListResponse', etag: 'e', nextPageToken, pollingIntervalMillis, pageInfo: { totalResults: items.length, resultsPerPage: items.length }, items },
  };
}

let app: App;
let server: FakeYoutube | undefined;
let tokenPrefix: string;

beforeEach(async () => {
  app = await buildTestApp();
  await setupShop(app);
  tokenPrefix = `t${++seq}-${Date.now().toString(36)}-`;
});

afterEach(async () => {
  await app.close();
  await server?.close();
  server = undefined;
});

async function youtubeRoom(config: Record<string, unknown>) {
  const res = await call(app, 'POST', '/api/rooms', { name: 'YouTube 直播', platform: 'youtube', config: { liveChatId: 'chat-1', apiKey: 'key-123', url: server!.url, ...config } });
  expect(res.status).toBe(201);
  const id = res.body.id as number;
  expect((await call(app, 'POST', `/api/rooms/${id}/feature`, { code: '5' })).status).toBe(200);
  return id;
}

const roomOf = async (id: number) => (await call(app, 'GET', `/api/rooms/${id}`)).body as { connection: Connection; stats: { messages: number; orders: number } };
const ordersOf = async (id: number) =>
  (await call(app, 'GET', `/api/orders?roomId=${id}`)).body as { id: number; messageId: string | null; buyer: { platform: string; userId: string; name: string }; lines: { code: string; qty: number }[] }[];

/** Every connection state the room goes through, in order. */
function recordStates(roomId: number): Connection[] {
  const states: Connection[] = [];
  app.events.on('connection', ({ roomId: id, ...connection }) => {
    if (id === roomId) states.push(connection);
  });
  return states;
}

describe('youtube adapter', () => {
  it('goes live after connect and turns chat messages into orders', async () => {
    server = await fakeYoutube((n) =>
      n === 0
        ? page([chatItem('yt-a', '买3号 2份', 'UC-aaa', 'Alice'), chatItem('yt-b', '+1', 'UC-bbb', 'Bob'), chatItem('yt-c', '主播好！')], `${tokenPrefix}1`)
        : page([], `${tokenPrefix}${n + 1}`),
    );
    const id = await youtubeRoom({});
    expect((await roomOf(id)).connection.state).toBe('stopped');
    const connected = await call(app, 'POST', `/api/rooms/${id}/connect`);
    expect(connected.status).toBe(200);

    await until(async () => (await roomOf(id)).connection.state === 'live', 5000, 'live');
    const orders = await until(async () => {
      const list = await ordersOf(id);
      return list.length >= 2 && list;
    }, 5000, 'two orders');
    const byMessage = new Map(orders.map((o) => [o.messageId, o]));
    expect(orders).toHaveLength(2);
    expect(byMessage.get('yt-a')).toMatchObject({ buyer: { platform: 'youtube', userId: 'UC-aaa', name: 'Alice' }, lines: [{ code: '3', qty: 2 }] });
    expect(byMessage.get('yt-b')).toMatchObject({ buyer: { platform: 'youtube', userId: 'UC-bbb', name: 'Bob' }, lines: [{ code: '5', qty: 1 }] });
    await until(async () => (await roomOf(id)).stats.messages === 3, 2000, 'three messages counted');

    const first = server.polls[0]!;
    expect(first.method).toBe('GET');
    expect(first.url.searchParams.get('liveChatId')).toBe('chat-1');
    expect(first.url.searchParams.get('key')).toBe('key-123');
    expect(first.url.searchParams.get('part')?.split(',')).toEqual(expect.arrayContaining(['id', 'snippet', 'authorDetails']));
    // No access token configured: polls are made with the API key alone.
    expect(first.headers.authorization).toBeUndefined();
  });

  it('waits pollingIntervalMillis between polls and sends the previous nextPageToken as pageToken', async () => {
    const interval = 300;
    server = await fakeYoutube((n) => page(n === 1 ? [chatItem('yt-p', '买1号')] : [], `${tokenPrefix}${n + 1}`, interval));
    const id = await youtubeRoom({});
    await call(app, 'POST', `/api/rooms/${id}/connect`);
    await until(() => server!.polls.length >= 3, 5000, 'three polls');

    const [p0, p1, p2] = server.polls as [SeenRequest, SeenRequest, SeenRequest];
    // Not sooner than the API asked (a few ms of timer granularity aside) …
    expect(p1.at - p0.at).toBeGreaterThanOrEqual(interval - 5);
    expect(p2.at - p1.at).toBeGreaterThanOrEqual(interval - 5);
    // … and not the 5 s default either: the interval the API gave is the one used.
    expect(p1.at - p0.at).toBeLessThan(2000);
    expect(p1.url.searchParams.get('pageToken')).toBe(`${tokenPrefix}1`);
    expect(p2.url.searchParams.get('pageToken')).toBe(`${tokenPrefix}2`);
    expect(p0.url.searchParams.get('pageToken') ?? '').not.toContain(tokenPrefix);
    await until(async () => (await ordersOf(id)).length === 1, 3000, 'the order from the second page');
  });

  it('creates no second order when a message id comes again in a later page', async () => {
    server = await fakeYoutube((n) => {
      if (n === 0) return page([chatItem('yt-dup', '买1号 2份', 'UC-dup')], `${tokenPrefix}1`);
      if (n === 1) return page([chatItem('yt-dup', '买1号 2份', 'UC-dup'), chatItem('yt-new', '买3号', 'UC-new')], `${tokenPrefix}2`);
      if (n === 2) return page([chatItem('yt-dup', '买1号 2份', 'UC-dup')], `${tokenPrefix}3`);
      return page([], `${tokenPrefix}${n + 1}`);
    });
    const id = await youtubeRoom({});
    await call(app, 'POST', `/api/rooms/${id}/connect`);
    await until(async () => (await ordersOf(id)).some((o) => o.messageId === 'yt-new'), 5000, 'the order from page 2');
    await until(() => server!.polls.length >= 5, 5000, 'polls past the repeats');
    await sleep(50);

    const orders = await ordersOf(id);
    expect(orders.map((o) => o.messageId).sort()).toEqual(['yt-dup', 'yt-new']);
    expect(orders.find((o) => o.messageId === 'yt-dup')!.lines).toEqual([expect.objectContaining({ code: '1', qty: 2 })]);
    expect((await roomOf(id)).stats).toMatchObject({ messages: 2, orders: 2 });
  });

  it('stops with state error on 403 liveChatEnded, without retrying', async () => {
    server = await fakeYoutube(() => ({
      status: 403,
      body: { error: { code: 403, message: 'The live chat is no longer live.', errors: [{ domain: 'youtube.liveChat', reason: 'liveChatEnded', message: 'The live chat is no longer live.' }] } },
    }));
    const id = await youtubeRoom({});
    const states = recordStates(id);
    await call(app, 'POST', `/api/rooms/${id}/connect`);

    const room = await until(async () => {
      const r = await roomOf(id);
      return r.connection.state === 'error' && r;
    }, 5000, 'state error');
    expect(room.connection.error).toContain('liveChatEnded');
    // Longer than the first two backoff delays (≤ 0.5 s and ≤ 1 s): a retry would have shown.
    await sleep(1600);
    expect(server.polls).toHaveLength(1);
    expect((await roomOf(id)).connection.state).toBe('error');
    expect(states.map((s) => s.state)).toEqual(['connecting', 'error']);
  });

  it.each([
    ['a 401 (the access token is refused)', { status: 401, body: { error: { code: 401, errors: [{ reason: 'authError' }] } } }],
    ['a chatEndedEvent in the page', page([{ id: 'end-1', snippet: { type: 'chatEndedEvent', publishedAt: new Date().toISOString() }, authorDetails: { channelId: 'UC-owner' } }], 'never-used')],
    ['offlineAt in the response', { body: { items: [], nextPageToken: 'never-used', pollingIntervalMillis: 40, offlineAt: new Date().toISOString() } }],
  ] as [string, Answer][])('also stops with state error, for good, on %s', async (_name, answer) => {
    server = await fakeYoutube(() => answer);
    const id = await youtubeRoom({});
    const states = recordStates(id);
    await call(app, 'POST', `/api/rooms/${id}/connect`);
    await until(async () => (await roomOf(id)).connection.state === 'error', 5000, 'state error');
    await sleep(1000);
    expect(server.polls).toHaveLength(1);
    expect(states.map((s) => s.state)).not.toContain('reconnecting');
    expect(states.at(-1)!.state).toBe('error');
  });

  it.each([
    ['a 500 with a JSON error', { status: 500, body: { error: { code: 500, errors: [{ reason: 'backendError' }] } } }, 'backendError'],
    ['a 200 whose body is not JSON', { status: 200, body: '<html>upstream hiccup</html>', raw: true }, 'not JSON'],
    // The status decides before the body is read: a proxy's HTML error page names no reason.
    ['a 502 whose body is not JSON', { status: 502, body: '<html><h1>502 Bad Gateway</h1></html>', raw: true }, 'refused: 502'],
    ['a 200 whose body is null', { status: 200, body: null }, 'not JSON'],
  ] as [string, Answer, string][])('reconnects after %s and recovers', async (_name, failure, reason) => {
    server = await fakeYoutube((n) => {
      if (n === 0) return page([chatItem('yt-r1', '买1号', 'UC-r1')], `${tokenPrefix}1`);
      if (n === 1) return failure;
      if (n === 2) return page([chatItem('yt-r2', '买3号', 'UC-r2')], `${tokenPrefix}3`);
      return page([], `${tokenPrefix}${n + 1}`);
    });
    const id = await youtubeRoom({});
    const states = recordStates(id);
    await call(app, 'POST', `/api/rooms/${id}/connect`);

    await until(async () => (await ordersOf(id)).some((o) => o.messageId === 'yt-r2'), 6000, 'the order after recovery');
    await until(async () => (await roomOf(id)).connection.state === 'live', 3000, 'live again');

    const names = states.map((s) => s.state);
    const reconnecting = names.indexOf('reconnecting');
    expect(reconnecting).toBeGreaterThan(names.indexOf('live'));
    expect(names.lastIndexOf('live')).toBeGreaterThan(reconnecting);
    expect(states[reconnecting]!.error).toContain(reason);
    expect(names).not.toContain('error');
    // The poll after the reconnect resumes where chat left off instead of re-reading the backlog.
    expect(server.polls[2]!.url.searchParams.get('pageToken')).toBe(`${tokenPrefix}1`);
    expect((await ordersOf(id)).map((o) => o.messageId).sort()).toEqual(['yt-r1', 'yt-r2']);
  });

  it('skips items that are not objects and keeps reading the page and the next', async () => {
    server = await fakeYoutube((n) => {
      if (n === 0) return page([chatItem('yt-n1', '买1号', 'UC-n1'), null, 7, 'x', chatItem('yt-n2', '买3号', 'UC-n2')], `${tokenPrefix}1`);
      return page([], `${tokenPrefix}${n + 1}`);
    });
    const id = await youtubeRoom({});
    const states = recordStates(id);
    await call(app, 'POST', `/api/rooms/${id}/connect`);
    await until(async () => (await ordersOf(id)).length === 2, 5000, 'both orders');
    await until(() => server!.polls.length >= 3, 5000, 'more polls');
    expect(server.polls[1]!.url.searchParams.get('pageToken')).toBe(`${tokenPrefix}1`);
    expect(states.map((s) => s.state)).not.toContain('reconnecting');
  });

  it('reads a page of thousands of items a slice at a time, in order, letting the server serve others meanwhile', async () => {
    const superChat = (i: number) => ({
      kind: 'youtube#liveChatMessage',
      id: `sc-${i}`,
      snippet: { type: 'superChatEvent', publishedAt: new Date().toISOString(), superChatDetails: { amountMicros: '1000000', currency: 'CNY', amountDisplayString: `¥${i}` } },
      authorDetails: { channelId: `UC-${i}`, displayName: `观众${i}` },
    });
    server = await fakeYoutube((n) => (n === 0 ? page(Array.from({ length: 3000 }, (_, i) => superChat(i)), `${tokenPrefix}1`) : page([], `${tokenPrefix}${n + 1}`)));
    const id = await youtubeRoom({});
    const gifts: string[] = [];
    let turns = 0;
    const turnsAt: number[] = [];
    app.events.on('platform', ({ roomId, event }) => {
      if (roomId !== id || event.kind !== 'gift') return;
      gifts.push(event.gift);
      turnsAt.push(turns);
    });
    const ticker = setInterval(() => turns++, 1);
    try {
      await call(app, 'POST', `/api/rooms/${id}/connect`);
      await until(() => gifts.length === 3000, 10_000, 'every item');
    } finally {
      clearInterval(ticker);
    }
    expect(gifts).toEqual(Array.from({ length: 3000 }, (_, i) => `¥${i}`));
    expect(turnsAt.at(-1)! - turnsAt[0]!).toBeGreaterThan(0);
  });

  it('stops with state error on a 401 whatever its body, without retrying', async () => {
    server = await fakeYoutube(() => ({ status: 401, body: '<html>Unauthorized</html>', raw: true }));
    const id = await youtubeRoom({});
    await call(app, 'POST', `/api/rooms/${id}/connect`);
    await until(async () => (await roomOf(id)).connection.state === 'error', 5000, 'state error');
    await sleep(800);
    expect(server.polls).toHaveLength(1);
  });

  it('does not read a body past 8 MB, and reconnects', async () => {
    server = await fakeYoutube((n) => (n === 0 ? { status: 200, body: `{"items":[${' '.repeat(9 * 1024 * 1024)}]}`, raw: true } : page([], `${tokenPrefix}${n + 1}`)));
    const id = await youtubeRoom({});
    const states = recordStates(id);
    await call(app, 'POST', `/api/rooms/${id}/connect`);
    await until(() => states.some((s) => s.state === 'reconnecting'), 5000, 'reconnecting');
    expect(states.find((s) => s.state === 'reconnecting')!.error).toContain('more than');
  });

  it.each([
    ['0', 0],
    ['past what a timer holds', 1e10],
  ])('polls at a sane pace when the API asks for an interval of %s', async (_name, pollingIntervalMillis) => {
    server = await fakeYoutube((n) => page([], `${tokenPrefix}${n + 1}`, pollingIntervalMillis));
    const id = await youtubeRoom({});
    await call(app, 'POST', `/api/rooms/${id}/connect`);
    await until(async () => (await roomOf(id)).connection.state === 'live', 3000, 'live');
    await sleep(1500);
    // 0 polled some 270 times a second, and 1e10 ms is read by Node as 1 ms.
    expect(server.polls.length).toBeLessThanOrEqual(pollingIntervalMillis === 0 ? 8 : 2);
  });

  it('with an access token, polls with it and posts the order reply to liveChatMessages.insert', async () => {
    server = await fakeYoutube((n) => (n === 0 ? page([chatItem('yt-q', '买3号 2份', 'UC-q', '小王')], `${tokenPrefix}1`) : page([], `${tokenPrefix}${n + 1}`)));
    const id = await youtubeRoom({ accessToken: 'ya29.test-token' });
    await call(app, 'POST', `/api/rooms/${id}/connect`);

    const [order] = await until(async () => {
      const list = await ordersOf(id);
      return list.length === 1 && list;
    }, 5000, 'the order');
    const insert = await until(() => server!.inserts[0], 5000, 'the reply');
    expect(insert.method).toBe('POST');
    expect(insert.headers.authorization).toBe('Bearer ya29.test-token');
    expect(insert.headers['content-type']).toContain('application/json');
    expect(insert.url.searchParams.get('part')).toBe('snippet');
    const body = JSON.parse(insert.body) as { snippet: { liveChatId: string; type: string; textMessageDetails: { messageText: string } } };
    expect(body.snippet.liveChatId).toBe('chat-1');
    expect(body.snippet.type).toBe('textMessageEvent');
    expect(body.snippet.textMessageDetails.messageText).toContain(`#${order!.id}`);
    expect(body.snippet.textMessageDetails.messageText).toContain('@小王');
    expect([...body.snippet.textMessageDetails.messageText].length).toBeLessThanOrEqual(200);
    expect(server.polls[0]!.headers.authorization).toBe('Bearer ya29.test-token');

    await sleep(200);
    expect(server.inserts).toHaveLength(1);
  });

  it('sends no replies without an access token', async () => {
    server = await fakeYoutube((n) => (n === 0 ? page([chatItem('yt-s', '买3号', 'UC-s')], `${tokenPrefix}1`) : page([], `${tokenPrefix}${n + 1}`)));
    const id = await youtubeRoom({});
    await call(app, 'POST', `/api/rooms/${id}/connect`);
    await until(async () => (await ordersOf(id)).length === 1, 5000, 'the order');
    await until(() => server!.polls.length >= 4, 5000, 'a few more polls');
    expect(server.inserts).toHaveLength(0);
  });

  it('starts a new live chat from its first page, not from the page token of the chat it replaced', async () => {
    server = await fakeYoutube((n, req) => {
      const chat = req.url.searchParams.get('liveChatId');
      return page([], `${tokenPrefix}${chat}-${n + 1}`);
    });
    const id = await youtubeRoom({ liveChatId: 'chat-old' });
    await call(app, 'POST', `/api/rooms/${id}/connect`);
    await until(() => server!.polls.length >= 2, 5000, 'two polls of the old chat');

    // The streamer reuses the room for the next broadcast, which has a new liveChatId.
    const patched = await call(app, 'PATCH', `/api/rooms/${id}`, { config: { liveChatId: 'chat-new', apiKey: 'key-123', url: server.url } });
    expect(patched.status).toBe(200);
    const firstNew = await until(() => server!.polls.find((p) => p.url.searchParams.get('liveChatId') === 'chat-new'), 5000, 'a poll of the new chat');
    expect(firstNew.url.searchParams.get('pageToken') ?? '').not.toContain('chat-old');
  });
});
