import crypto from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { douyinSignature } from '../../plugins/douyin/signature.ts';
import type { App } from '../../src/app.ts';
import Database from 'better-sqlite3';
import pg from 'pg';
import { usePostgres } from '../postgres.ts';
import { buildTestApp, call, setupShop, tempDatabaseUrl, until } from '../helper.ts';

const SECRET = 'douyin-app-secret';
let app: App;
let base: string;
let roomId: number;
let databaseUrl: string;

/** Signs like Douyin's servers do, written out here from the documentation rather than reusing the plugin. */
function sign(headers: Record<string, string>, body: string, secret = SECRET): string {
  const joined = Object.entries(headers)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  return crypto.createHash('md5').update(joined + body + secret, 'utf8').digest('base64');
}

async function push(msgType: string, payloads: unknown, opts: { room?: string; secret?: string; signature?: string; raw?: string; unsigned?: Record<string, string> } = {}) {
  const body = opts.raw ?? JSON.stringify(payloads);
  const headers = { 'x-msg-type': msgType, 'x-nonce-str': crypto.randomBytes(6).toString('hex'), 'x-roomid': opts.room ?? '7300000001', 'x-timestamp': String(Date.now()) };
  const res = await fetch(`${base}/hooks/douyin/live`, {
    method: 'POST',
    headers: { ...headers, ...opts.unsigned, 'content-type': 'application/json', 'x-signature': opts.signature ?? sign(headers, body, opts.secret) },
    body,
  });
  return { status: res.status, body: (await res.json()) as { ok?: boolean; taken?: number; error?: { code: string } } };
}

const orders = async () => (await call(app, 'GET', `/api/orders?roomId=${roomId}`)).body as { buyer: { userId: string }; lines: { code: string; qty: number }[] }[];

beforeEach(async () => {
  databaseUrl = await tempDatabaseUrl();
  app = await buildTestApp({ databaseUrl });
  base = await app.listen({ port: 0, host: '127.0.0.1' });
  await setupShop(app);
  roomId = (await call(app, 'POST', '/api/rooms', { name: '抖音间', platform: 'douyin', config: { roomId: '7300000001', secret: SECRET } })).body.id;
  await call(app, 'POST', `/api/rooms/${roomId}/feature`, { code: '5' });
  await call(app, 'POST', `/api/rooms/${roomId}/connect`);
});
afterEach(() => app.close());

describe('douyin data push', () => {
  it('matches the documented signature test vector', () => {
    const headers = { 'x-msg-type': 'live_gift', 'x-nonce-str': '123456', 'x-roomid': '268', 'x-timestamp': '456789' };
    expect(douyinSignature(headers, 'abc123你好', '123abc')).toBe('PDcKhdlsrKEJif6uMKD2dw==');
  });

  it('turns signed comment pushes into orders keyed by sec_openid, and answers once they are stored', async () => {
    const comment = (id: string, openid: string, content: string) => ({ msg_id: id, sec_openid: openid, content, nickname: `观众${openid}`, avatar_url: 'https://x/a.png', timestamp: Date.now() });
    const res = await push('live_comment', [comment('c1', 'open-1', '买3号 2份'), comment('c2', 'open-2', '+1'), comment('c3', 'open-3', '主播好')]);
    expect(res).toEqual({ status: 200, body: { ok: true, taken: 3 } });
    const list = await orders();
    expect(list.map((o) => [o.buyer.userId, o.lines[0]!.code, o.lines[0]!.qty]).sort()).toEqual([
      ['open-1', '3', 2],
      ['open-2', '5', 1],
    ]);
    // Douyin may deliver the same msg_id twice.
    await push('live_comment', [comment('c1', 'open-1', '买3号 2份')]);
    expect(await orders()).toHaveLength(2);
  });

  it('refuses a bad signature with 401 and processes nothing', async () => {
    const payload = [{ msg_id: 'x1', sec_openid: 'o', content: '买1号', nickname: 'n', timestamp: Date.now() }];
    expect((await push('live_comment', payload, { secret: 'wrong-secret' })).status).toBe(401);
    expect((await push('live_comment', payload, { signature: 'AAAAAAAAAAAAAAAAAAAAAA==' })).status).toBe(401);
    expect((await push('live_comment', payload, { signature: '' })).status).toBe(401);
    expect(await orders()).toEqual([]);
  });

  it('answers 404 for a room that is not connected here, 400 for a body that is not JSON, and skips Douyin test data', async () => {
    expect((await push('live_comment', [], { room: '999' })).status).toBe(404);
    expect((await push('live_comment', null, { raw: '{"broken' })).status).toBe(400);
    const test = await push('live_comment', [{ msg_id: 't', sec_openid: 'o', content: '买1号', nickname: 'n', timestamp: Date.now(), test: true }]);
    expect(test.body.taken).toBe(0);
    expect(await orders()).toEqual([]);
  });

  it('takes gifts and likes as platform events, not orders', async () => {
    const seen: string[] = [];
    app.events.on('platform', ({ event }) => seen.push(event.kind === 'gift' ? `gift:${event.count}:${event.valueFen}` : event.kind));
    await push('live_gift', [{ msg_id: 'g1', sec_openid: 'o', sec_gift_id: 'rose', gift_num: 3, gift_value: 300, nickname: 'n', timestamp: Date.now() }]);
    await push('live_like', [{ msg_id: 'l1', sec_openid: 'o', like_num: 12, nickname: 'n', timestamp: Date.now() }]);
    await until('events', () => seen.length === 2);
    expect(seen).toEqual(['gift:3:300', 'like']);
    expect(await orders()).toEqual([]);
  });

  it('checks only the documented headers: a proxy’s x-forwarded-for or a tracer’s x-request-id does not break the signature', async () => {
    const payload = [{ msg_id: 'p1', sec_openid: 'o', content: '买1号', nickname: 'n', timestamp: Date.now() }];
    const res = await push('live_comment', payload, { unsigned: { 'x-forwarded-for': '203.0.113.9', 'x-request-id': 'abc' } });
    expect(res).toEqual({ status: 200, body: { ok: true, taken: 1 } });
    expect(await orders()).toHaveLength(1);
  });

  it('refuses, not crashes on, a message type named like an Object key when per-type secrets are set', async () => {
    await call(app, 'PATCH', `/api/rooms/${roomId}`, { config: { roomId: '7300000001', secret: SECRET, secrets: { live_gift: 'gift-secret' } } });
    await until('reconnected', async () => (await call(app, 'GET', `/api/rooms/${roomId}`)).body.connection.state === 'live');
    for (const msgType of ['constructor', '__proto__', 'toString']) expect((await push(msgType, [], { secret: 'wrong' })).status).toBe(401);
    expect((await push('toString', [])).status).toBe(200);
  });

  it('refuses a room id given as a number past 2^53, which JSON would round so that no push ever matches', async () => {
    const res = await call(app, 'POST', '/api/rooms', { name: 'd', platform: 'douyin', config: { roomId: 7382777844734167858, secret: SECRET } });
    expect(res.status).toBe(400);
    const exact = await call(app, 'POST', '/api/rooms', { name: 'd', platform: 'douyin', config: { roomId: '7382777844734167858', secret: SECRET } });
    expect(exact.body.config.roomId).toBe('7382777844734167858');
  });

  it.skipIf(!usePostgres)('answers a retry of a push still being stored only once that push is stored', async () => {
    // Another session holding the table the message goes into: the first push waits in the database.
    const other = new pg.Client({ connectionString: databaseUrl });
    await other.connect();
    await other.query('BEGIN');
    await other.query('LOCK TABLE chat_messages IN ACCESS EXCLUSIVE MODE');
    const payload = [{ msg_id: 'slow1', sec_openid: 'o', content: '买3号', nickname: 'n', timestamp: Date.now() }];
    const first = push('live_comment', payload);
    await new Promise((r) => setTimeout(r, 300));
    let retryAnswered = 0;
    const retry = push('live_comment', payload).then((res) => ((retryAnswered = Date.now()), res));
    await new Promise((r) => setTimeout(r, 500));
    const released = Date.now();
    await other.query('COMMIT');
    await other.end();
    expect([(await first).status, (await retry).status]).toEqual([200, 200]);
    // Answered "ok" only once the order was stored, not at once because the id was being stored.
    expect(retryAnswered).toBeGreaterThanOrEqual(released);
    expect(await orders()).toHaveLength(1);
  });

  it.skipIf(usePostgres)('answers an error, not 200, for a push it could not store, so that Douyin pushes it again', async () => {
    // Another process holding the database's write lock past the busy timeout (5 s).
    const other = new Database(databaseUrl.replace(/^file:/, ''));
    other.exec('BEGIN IMMEDIATE');
    const payload = [{ msg_id: 'lk1', sec_openid: 'o', content: '买3号', nickname: 'n', timestamp: Date.now() }];
    const refused = await push('live_comment', payload);
    other.exec('COMMIT');
    other.close();
    expect(refused.status).toBeGreaterThanOrEqual(500);
    expect(await orders()).toEqual([]);
    expect(await push('live_comment', payload)).toEqual({ status: 200, body: { ok: true, taken: 1 } });
    expect(await orders()).toHaveLength(1);
    // Two busy timeouts of 5 s each (the batch, then the body alone) before the 503.
  }, 45_000);

  it('stops taking pushes once the room is disconnected', async () => {
    await call(app, 'POST', `/api/rooms/${roomId}/disconnect`);
    expect((await push('live_comment', [{ msg_id: 'z', sec_openid: 'o', content: '买1号', nickname: 'n', timestamp: Date.now() }])).status).toBe(404);
  });
});
