import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { fakeTwitch, type FakeTwitch } from '../fakes/twitch.ts';
import { buildTestApp, call, setupShop, until } from '../helper.ts';

let app: App;
let tw: FakeTwitch;
let roomId: number;

const state = async () => (await call(app, 'GET', `/api/rooms/${roomId}`)).body.connection;
const orders = async () => ((await call(app, 'GET', `/api/orders?roomId=${roomId}`)).body as { buyer: { userId: string; name: string } }[]);

async function connect(config: Record<string, unknown> = {}) {
  roomId = (await call(app, 'POST', '/api/rooms', { name: 'twitch', platform: 'twitch', config: { channel: 'farm', url: tw.url, ...config } })).body.id;
  await call(app, 'POST', `/api/rooms/${roomId}/feature`, { code: '5' });
  await call(app, 'POST', `/api/rooms/${roomId}/connect`);
}

beforeEach(async () => {
  tw = await fakeTwitch();
  app = await buildTestApp();
  await setupShop(app);
});
afterEach(async () => {
  await app.close();
  await tw.close();
});

describe('twitch adapter against an IRC-over-websocket server', () => {
  it('joins anonymously, goes live, and turns chat into orders keyed by the Twitch user id', async () => {
    await connect();
    await until('live', async () => (await state()).state === 'live');
    expect(tw.joins).toEqual(['#farm']);
    tw.say('#farm', { id: 'a1', userId: '9001', login: 'buyer', display: '买家小王', text: '买1号 2份' });
    tw.say('#farm', { id: 'a2', userId: '9002', login: 'other', display: 'Other', text: '!buy 3 2' });
    tw.say('#farm', { id: 'a3', userId: '9003', login: 'chat', display: 'Chat', text: 'hello' });
    await until('2 orders', async () => (await orders()).length === 2);
    expect((await orders()).map((o) => o.buyer).sort((a, b) => a.userId.localeCompare(b.userId))).toEqual([
      { platform: 'twitch', userId: '9001', name: '买家小王' },
      { platform: 'twitch', userId: '9002', name: 'Other' },
    ]);
    // Anonymous: nothing is sent back.
    await new Promise((r) => setTimeout(r, 200));
    expect(tw.sent).toEqual([]);
  });

  it('drops lines tmi.js cannot read (which it throws on) and reads the rest, in the same frame and after', async () => {
    await connect();
    await until('live', async () => (await state()).state === 'live');
    const hostile = [
      ':x!x@x PRIVMSG #farm',
      ':jtv!jtv@jtv PRIVMSG #farm',
      '@badges=a/b/c/d,e;badge-info=/;id=bd;user-id=12 :x PRIVMSG #farm',
      ':tmi.twitch.tv CLEARCHAT #farm',
      ':tmi.twitch.tv HOSTTARGET #farm',
      ':tmi.twitch.tv USERNOTICE #farm',
      '@msg-id=sub;msg-param-sub-plan= :tmi.twitch.tv USERNOTICE #farm',
      ':tmi.twitch.tv WHISPER',
      ':x!x@x MODE #farm +o',
      '@;;;=;==;\\ :x!x@x PRIVMSG #farm :\u0001ACTION',
      '::::',
    ];
    const good = (id: string, user: string) => `@id=${id};user-id=${user};display-name=${user} :${user}!${user}@${user}.tmi.twitch.tv PRIVMSG #farm :买1号`;
    tw.raw(`${[...hostile, good('after-bad', '501')].join('\r\n')}\r\n`);
    for (const line of hostile) tw.raw(`${line}\r\n`);
    // tmi.js calls .trim() on a frame's data: a binary frame threw too.
    tw.raw(Buffer.from(`${good('binary', '503')}\r\n`));
    tw.raw(`${good('later', '502')}\r\n`);
    // An id tag of any length would be stored with the order: a long one is kept as its digest.
    tw.raw(`${good('x'.repeat(300), '504')}\r\n`);
    await until('the good lines ordered', async () => (await orders()).length === 3);
    const stored = (await call(app, 'GET', `/api/orders?roomId=${roomId}`)).body as { messageId: string; buyer: { userId: string } }[];
    expect(stored.map((o) => o.buyer.userId).sort()).toEqual(['501', '502', '504']);
    expect(stored.find((o) => o.buyer.userId === '504')!.messageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((await state()).state).toBe('live');
  });

  it('rejoins after a dropped connection and does not double a message id seen before', async () => {
    await connect();
    await until('live', async () => (await state()).state === 'live');
    tw.say('#farm', { id: 'dup', userId: '1', login: 'a', display: 'A', text: '买1号' });
    await until('one order', async () => (await orders()).length === 1);
    const reasons: string[] = [];
    app.events.on('connection', (c) => c.state === 'reconnecting' && reasons.push(c.error ?? ''));
    tw.drop();
    await until('rejoined', () => tw.joins.length === 2 && tw.joined.size === 1, 15_000);
    // The dashboard shows why the room is reconnecting: a close without a reason still says something.
    expect(reasons.length).toBeGreaterThan(0);
    for (const reason of reasons) expect(reason.trim()).not.toBe('');
    tw.say('#farm', { id: 'dup', userId: '1', login: 'a', display: 'A', text: '买1号' });
    tw.say('#farm', { id: 'new', userId: '2', login: 'b', display: 'B', text: '+1' });
    await until('two orders', async () => (await orders()).length === 2);
    await new Promise((r) => setTimeout(r, 300));
    expect(await orders()).toHaveLength(2);
  });

  it('with a token, replies in chat within 20 messages per 30 seconds', async () => {
    tw.password = 'oauth:abcdefghijklmnop';
    await connect({ token: 'abcdefghijklmnop', username: 'nongbo_bot' });
    await until('live', async () => (await state()).state === 'live');
    await call(app, 'PATCH', `/api/rooms/${roomId}`, { limits: { orderMessagesPerSecond: 100 } });
    for (let i = 0; i < 25; i++) tw.say('#farm', { id: `r${i}`, userId: `u${i}`, login: `u${i}`, display: `U${i}`, text: '+1' });
    await until('25 orders', async () => (await orders()).length === 25);
    await until('20 replies', () => tw.sent.length === 20);
    await new Promise((r) => setTimeout(r, 500));
    expect(tw.sent).toHaveLength(20);
    expect(tw.sent[0]!.text).toMatch(/^@U\d+ 已为您锁定 订单#\d+/);
    expect(app.connections.outboundOf(roomId)?.pending).toBe(5);
  });

  it('goes to error when Twitch refuses the login', async () => {
    tw.password = 'oauth:the-right-token-value';
    await connect({ token: 'a-wrong-token-value', username: 'nongbo_bot' });
    await until('error', async () => (await state()).state === 'error');
    expect((await state()).error).toMatch(/authentication failed/i);
  });
});
