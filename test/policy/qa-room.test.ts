import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { fakeTwitch, type FakeTwitch } from '../fakes/twitch.ts';
import { auth, buildTestApp, call, say, tempDatabaseUrl, until } from '../helper.ts';

const KB = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '../fixtures/policy-kb.zh.json'), 'utf8'));
let app: App;
let roomId: number;

async function start(qaCooldownMs = 60_000, databaseUrl?: string) {
  app = await buildTestApp(databaseUrl ? { databaseUrl } : {}, { qaCooldownMs });
  await call(app, 'POST', '/api/policy/import', KB);
}

/** A fresh app and Q&A room on a database that outlives it; `restart` starts the app again on it. */
async function restartable() {
  await app.close();
  const url = await tempDatabaseUrl();
  await start(60_000, url);
  roomId = (await call(app, 'POST', '/api/rooms', { name: '政策直播', platform: 'push', qa: true })).body.id;
  return async () => {
    await app.close();
    await start(60_000, url);
  };
}

afterEach(() => app?.close());

describe('Q&A rooms', () => {
  beforeEach(async () => {
    await start();
    roomId = (await call(app, 'POST', '/api/rooms', { name: '政策直播', platform: 'push', qa: true })).body.id;
  });

  it('answer a confident question in chat with its source, and record it', async () => {
    const res = await say(app, roomId, '请问小额信贷最多能贷多少钱？', { name: '村民老王' });
    expect(res.body.answer).toMatchObject({ answered: true, entryId: 'loan-amount-term', short: '一般5万元以下，期限3年以内' });
    expect(res.body.reply).toBe('@村民老王 一般5万元以下，期限3年以内（来源：脱贫人口小额信贷政策）');
    const [question] = (await call(app, 'GET', `/api/questions?roomId=${roomId}`)).body;
    expect(question).toMatchObject({ status: 'answered', entryId: 'loan-amount-term', asker: { name: '村民老王' }, text: '请问小额信贷最多能贷多少钱？' });
    expect((await call(app, 'GET', `/api/rooms/${roomId}`)).body.stats.questions).toBe(1);
  });

  it('never answer chatter that shares a word with an entry; a real question with that word is answered', async () => {
    // 点赞 is in the live-selling rules' entry; a viewer saying they liked the stream asked nothing.
    const chatter = await say(app, roomId, '关注了，点赞了', { name: '丙' });
    expect(chatter.body.answer?.answered ?? false).toBe(false);
    expect(chatter.body.reply).toBeUndefined();
    const asked = await say(app, roomId, '直播间刷点赞刷单违法吗？', { name: '丁' });
    expect(asked.body.answer).toMatchObject({ answered: true, entryId: 'livestream-rules' });
  });

  it('keep the nickname a viewer asked under, whatever they are called later', async () => {
    await say(app, roomId, '贷款的事找谁办？', { user: 'v1', name: '李四' });
    await say(app, roomId, '买1号', { user: 'v1', name: '=cmd|calc!A1' });
    const [asked] = (await call(app, 'GET', `/api/questions?roomId=${roomId}`)).body;
    expect(asked.asker).toMatchObject({ userId: 'v1', name: '李四' });
  });

  it('answer the same question once per cooldown: the next askers get no reply of their own', async () => {
    const first = await say(app, roomId, '小额信贷最多能贷多少钱', { name: '甲' });
    const second = await say(app, roomId, '小额贷款最多能借多少钱？', { name: '乙' });
    expect(first.body.reply).toContain('@甲');
    expect(second.body.answer.answered).toBe(true);
    expect(second.body.reply).toBeUndefined();
  });

  it('let a replayed message id take no answer from the next viewer who asks', async () => {
    const restart = await restartable();
    const first = await say(app, roomId, '小额信贷最多能贷多少钱', { id: 'r1', name: '甲' });
    expect(first.body.reply).toContain('@甲');
    // The platform redelivers the first message: its stored outcome, and the window it opened stands.
    expect((await say(app, roomId, '小额信贷最多能贷多少钱', { id: 'r1', name: '甲' })).body).toEqual(first.body);
    expect((await say(app, roomId, '小额贷款最多能借多少钱？', { id: 'r2', name: '乙' })).body.reply).toBeUndefined();
    await restart();
    // After a restart (windows forgotten), the redelivered first message opens no window: the next
    // viewer who asks is answered at once, not held for a combined answer a minute later.
    expect((await say(app, roomId, '小额信贷最多能贷多少钱', { id: 'r1', name: '甲' })).body).toEqual(first.body);
    expect((await say(app, roomId, '小额贷款最多能借多少钱？', { id: 'r3', name: '丁' })).body.reply).toContain('@丁');
  });

  it('put the askers still waiting for a combined answer back in the queue when the server stops', async () => {
    const restart = await restartable();
    await say(app, roomId, '小额信贷最多能贷多少钱', { name: '甲' });
    const waiting = await say(app, roomId, '小额贷款最多能借多少钱？', { name: '乙' });
    expect(waiting.body.reply).toBeUndefined();
    await restart();
    const queued = (await call(app, 'GET', `/api/questions?roomId=${roomId}&status=queued`)).body;
    expect(queued).toEqual([expect.objectContaining({ text: '小额贷款最多能借多少钱？', asker: expect.objectContaining({ name: '乙' }), answer: null })]);
    expect((await call(app, 'GET', `/api/questions?roomId=${roomId}&status=answered`)).body).toHaveLength(1);
  });

  it('keep an official answer saved as a draft from overwriting an entry of the same id', async () => {
    await say(app, roomId, '贷款的事找谁办？', { name: '丙' });
    const [queued] = (await call(app, 'GET', `/api/questions?roomId=${roomId}&status=queued`)).body;
    // An approved entry that already has the id a draft of this question would get (imported from another server).
    const taken = { id: `official-${queued.id}`, title: '养羊补贴', questions: ['养羊有补贴吗？'], short: '每只羊补贴50元', answer: '每只羊补贴50元', source: '县农业农村局' };
    await call(app, 'POST', '/api/policy/import', { version: 1, entries: [taken] });
    const answered = await call(app, 'POST', `/api/questions/${queued.id}/answer`, { answer: '到村委会登记。', saveDraft: true });
    expect(answered.body.draft).toMatchObject({ id: `official-${queued.id}-2`, status: 'draft', answer: '到村委会登记。' });
    expect((await call(app, 'GET', `/api/policy/entries/official-${queued.id}`)).body).toMatchObject({ status: 'approved', short: '每只羊补贴50元' });
  });

  it('count a question under an entry only when it was about it: not when the official dismissed it or answered in their own words', async () => {
    const unsure = ['贷款的事找谁办？', '低保的事找谁办？', '扶贫贷想翻修老屋，中不中？'];
    for (const text of unsure) await say(app, roomId, text);
    const queued = (await call(app, 'GET', `/api/questions?roomId=${roomId}&status=queued`)).body as { id: number; text: string; entryId: string }[];
    expect(queued).toHaveLength(3);
    const topicOf = (text: string) => queued.find((q) => q.text === text)!.entryId;
    await call(app, 'POST', `/api/questions/${queued.find((q) => q.text === unsure[0])!.id}/dismiss`);
    await call(app, 'POST', `/api/questions/${queued.find((q) => q.text === unsure[1])!.id}/answer`, { answer: '找村里的民政协理员。' });
    const topics = (await call(app, 'GET', `/api/questions/topics?roomId=${roomId}`)).body as { entryId: string; asked: number; answered: number }[];
    // Only the one still waiting counts, under the matcher's pick, as asked and not yet answered.
    expect(topics).toEqual([expect.objectContaining({ entryId: topicOf(unsure[2]!), asked: 1, answered: 0 })]);
  });

  it('queue an unsure match for the official, who answers it (kept as a draft entry) or dismisses it', async () => {
    const unsure = await say(app, roomId, '贷款的事找谁办？', { name: '丙' });
    expect(unsure.body.answer.answered).toBe(false);
    const queued = (await call(app, 'GET', `/api/questions?roomId=${roomId}&status=queued`)).body;
    expect(queued.map((q: { text: string }) => q.text)).toContain('贷款的事找谁办？');
    const id = queued.find((q: { text: string }) => q.text === '贷款的事找谁办？').id;

    const answered = await call(app, 'POST', `/api/questions/${id}/answer`, { answer: '到村委会找驻村第一书记登记，再由乡镇推荐给合作银行。', saveDraft: true });
    expect(answered.body.question).toMatchObject({ status: 'answered_by_official', answer: '到村委会找驻村第一书记登记，再由乡镇推荐给合作银行。' });
    expect(answered.body.draft).toMatchObject({ id: `official-${id}`, status: 'draft' });
    expect((await call(app, 'GET', `/api/policy/entries/official-${id}`)).body.status).toBe('draft');
    // A draft never answers, even the very question it came from.
    const ask = await app.inject({ url: `/api/policy/ask?q=${encodeURIComponent('贷款的事找谁办？')}`, headers: auth });
    expect(ask.json().entryId).not.toBe(`official-${id}`);
    expect((await call(app, 'POST', `/api/questions/${id}/answer`, { answer: '再答一次' })).status).toBe(409);

    await say(app, roomId, '贷款的事找谁办？', { name: '丁' });
    const [another] = (await call(app, 'GET', `/api/questions?roomId=${roomId}&status=queued`)).body;
    expect(another.asker.name).toBe('丁');
    expect((await call(app, 'POST', `/api/questions/${another.id}/dismiss`)).body.status).toBe('dismissed');
    expect((await call(app, 'GET', `/api/questions?roomId=${roomId}&status=queued`)).body).toEqual([]);
    expect((await call(app, 'POST', '/api/questions/99999/dismiss')).status).toBe(404);
    // Chat that was never about the knowledge base is not in the queue: saying "already answered" would be wrong.
    await say(app, roomId, '今天天气怎么样？', { name: '戊' });
    const unmatched = (await call(app, 'GET', `/api/questions?roomId=${roomId}&status=unmatched`)).body[0];
    expect((await call(app, 'POST', `/api/questions/${unmatched.id}/answer`, { answer: '晴' })).body.error.code).toBe('QUESTION_NOT_QUEUED');
  });

  it('let the official answer a queued question with another entry, and learn the viewer’s words for next time', async () => {
    // Unsure, and the matcher's pick (loan amounts) is not the entry that answers it (loan use).
    const words = '扶贫贷想翻修老屋，中不中？';
    for (const name of ['老孙', '老钱']) expect((await say(app, roomId, words, { name })).body.answer.answered).toBe(false);
    const queued = (await call(app, 'GET', `/api/questions?roomId=${roomId}&status=queued`)).body;
    expect(queued.map((q: { text: string; entryId: string }) => [q.text, q.entryId])).toEqual([
      [words, 'loan-amount-term'],
      [words, 'loan-amount-term'],
    ]);

    // A draft, or an entry that does not exist, cannot answer; an answer is text or an entry, not both.
    await call(app, 'PUT', '/api/policy/entries/loan-collateral-rate', { ...KB.entries.find((e: { id: string }) => e.id === 'loan-collateral-rate'), status: 'draft' });
    expect((await call(app, 'POST', `/api/questions/${queued[0].id}/answer`, { entryId: 'loan-collateral-rate' })).body.error.code).toBe('POLICY_ENTRY_NOT_IN_FORCE');
    expect((await call(app, 'POST', `/api/questions/${queued[0].id}/answer`, { entryId: 'no-such-entry' })).status).toBe(404);
    const wrong = async (body: object) => (await call(app, 'POST', `/api/questions/${queued[0].id}/answer`, body)).body.error;
    expect(await wrong({ entryId: 'loan-use', answer: '两样都给' })).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('either answer') });
    expect(await wrong({})).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('either answer') });
    expect(await wrong({ entryId: 'loan-use', saveDraft: true })).toMatchObject({ message: expect.stringContaining('use learn') });
    expect(await wrong({ answer: '好的', learn: true })).toMatchObject({ message: expect.stringContaining('use saveDraft') });

    const short = '只能用于发展生产，不能盖房、办婚事或转借他人';
    const answered = await call(app, 'POST', `/api/questions/${queued[0].id}/answer`, { entryId: 'loan-use', learn: true });
    // The matcher's pick stays on record beside the entry the official chose; topics count the latter.
    // The second asker of the same words is answered with it (a copy), and the words are learned once.
    expect(answered.body).toMatchObject({ copies: 1, learned: true, question: { status: 'answered_by_official', entryId: 'loan-amount-term', answeredEntryId: 'loan-use', answer: short } });
    expect((await call(app, 'POST', `/api/questions/${queued[1].id}/answer`, { entryId: 'loan-use', learn: true })).body.error.code).toBe('QUESTION_DECIDED');
    const learned: string[] = (await call(app, 'GET', '/api/policy/entries/loan-use')).body.questions;
    expect(learned.filter((q) => q === words)).toHaveLength(1);
    // Recorded as learned, so the entry's own questions still say what it answers, and listed
    // for the official to review.
    expect((await app.store.policy.learned()).get('loan-use')).toEqual(new Set([words]));
    expect((await call(app, 'GET', '/api/policy/entries/loan-use/learned')).body).toEqual([words]);
    expect((await call(app, 'GET', '/api/policy/entries/loan-amount-term/learned')).body).toEqual([]);
    expect((await call(app, 'GET', '/api/policy/entries/no-such/learned')).status).toBe(404);

    // The next viewer who asks it so is answered at once, from the approved entry.
    const again = await say(app, roomId, words, { name: '老周' });
    expect(again.body.answer).toMatchObject({ answered: true, entryId: 'loan-use' });
    expect(again.body.reply).toBe(`@老周 ${short}（来源：脱贫人口小额信贷政策）`);
    const topics = (await call(app, 'GET', `/api/questions/topics?roomId=${roomId}`)).body;
    expect(topics).toEqual([expect.objectContaining({ entryId: 'loan-use', asked: 3, answered: 3 })]);
    const csv = (await app.inject({ url: `/api/exports/questions.csv?roomId=${roomId}`, headers: auth })).body.replace(/^\uFEFF/, '');
    const [header, ...rows] = csv.split('\r\n').filter(Boolean).map((line) => line.split(','));
    const byOfficial = header!.indexOf('官方所用条目');
    expect(rows.filter((r) => r[byOfficial] === '小额信贷能用来干什么')).toHaveLength(2);
  });

  it('keep reading what an entry answers from its author’s questions after it learns a viewer’s', async () => {
    const asksAmount = '小额信贷的钱能拿多少去盖房子';
    const before = (await app.policy.current()).match(asksAmount);
    expect(before).toMatchObject({ entry: { id: 'loan-use' }, evidence: { aspect: -1 } });
    // A learned question that asks an amount (多少) does not make loan-use an entry that answers amounts.
    expect(await app.policy.learnQuestion('loan-use', '扶贫贷最多能拿多少盖房')).toBe(true);
    const after = (await app.policy.current()).match(asksAmount);
    expect(after).toMatchObject({ entry: { id: 'loan-use' }, evidence: { aspect: -1 } });
    // Once the dashboard saves the entry without it, it is no longer a learned question.
    const entry = (await call(app, 'GET', '/api/policy/entries/loan-use')).body;
    await call(app, 'PUT', '/api/policy/entries/loan-use', { ...entry, questions: entry.questions.slice(0, 2) });
    expect((await app.store.policy.learned()).get('loan-use')).toBeUndefined();
  });

  it('learn a question with a | as one question: the spreadsheet export separates questions with it', async () => {
    const words = '扶贫贷|想翻修老屋，中不中？';
    await say(app, roomId, words, { name: '老孙' });
    const [queued] = (await call(app, 'GET', `/api/questions?roomId=${roomId}&status=queued`)).body;
    expect((await call(app, 'POST', `/api/questions/${queued.id}/answer`, { entryId: 'loan-use', learn: true })).body.learned).toBe(true);
    const csv = (await app.inject({ url: '/api/policy/export.csv', headers: auth })).body;
    const before = (await call(app, 'GET', '/api/policy/entries/loan-use')).body.questions;
    expect(before.at(-1)).toBe('扶贫贷｜想翻修老屋，中不中？');
    const reimport = await app.inject({ method: 'POST', url: '/api/policy/import', headers: { ...auth, 'content-type': 'text/csv' }, payload: csv });
    expect(reimport.statusCode).toBe(200);
    expect((await call(app, 'GET', '/api/policy/entries/loan-use')).body.questions).toEqual(before);
  });

  it('leave chat that is not a question alone, note off-topic questions, and still take orders', async () => {
    expect((await say(app, roomId, '主播好！')).body).toEqual({ accepted: true });
    const offTopic = await say(app, roomId, '几点下播呀？');
    expect(offTopic.body.answer).toEqual({ answered: false, score: expect.any(Number) });
    const statuses = (await call(app, 'GET', `/api/questions?roomId=${roomId}`)).body.map((q: { status: string }) => q.status);
    expect(statuses).toEqual(['unmatched']);
  });

  it('count what was asked most, and export every question for Excel', async () => {
    for (const [name, text] of [['甲', '小额信贷最多能贷多少钱'], ['乙', '低保怎么申请'], ['丙', '小额信贷能贷几年？'], ['丁', '新农合在哪里交钱？']]) {
      await say(app, roomId, text!, { name });
    }
    const topics = (await call(app, 'GET', `/api/questions/topics?roomId=${roomId}`)).body;
    expect(topics[0]).toMatchObject({ entryId: 'loan-amount-term', asked: 2, answered: 2 });
    const csv = await app.inject({ url: `/api/exports/questions.csv?roomId=${roomId}`, headers: auth });
    expect(csv.statusCode).toBe(200);
    expect(csv.body).toContain('小额信贷额度和期限');
    expect(csv.body.split('\r\n').filter(Boolean)).toHaveLength(5);
    const xlsx = await app.inject({ url: `/api/exports/questions.xlsx?roomId=${roomId}`, headers: auth });
    expect(xlsx.rawPayload.subarray(0, 2).toString()).toBe('PK');
  });

  it('answer nothing in a room that is not a Q&A room', async () => {
    const shop = (await call(app, 'POST', '/api/rooms', { name: '卖货', platform: 'push' })).body.id;
    expect((await say(app, shop, '小额信贷最多能贷多少钱？')).body).toEqual({ accepted: true });
  });
});

describe('Q&A rooms on a live platform', () => {
  let tw: FakeTwitch;
  afterEach(() => tw?.close());

  /** A Q&A room on a Twitch server on loopback, live, whose bot may reply (an 800 ms cooldown unless given). */
  async function liveTwitchRoom(cooldownMs = 800) {
    await start(cooldownMs);
    tw = await fakeTwitch();
    tw.password = 'oauth:abcdefghijklmnop';
    roomId = (await call(app, 'POST', '/api/rooms', { name: '政策', platform: 'twitch', qa: true, config: { channel: 'gov', url: tw.url, token: 'abcdefghijklmnop', username: 'nongbo_bot' } })).body.id;
    await call(app, 'POST', `/api/rooms/${roomId}/connect`);
    await until('live', async () => (await call(app, 'GET', `/api/rooms/${roomId}`)).body.connection.state === 'live');
  }

  it('send the answer through the chat queue, and name the later askers together when the cooldown ends', async () => {
    await liveTwitchRoom();
    tw.say('#gov', { id: 'q1', userId: '1', login: 'a', display: '阿妹', text: '低保怎么申请？' });
    await until('first answer', () => tw.sent.length === 1);
    expect(tw.sent[0]!.text).toMatch(/^@阿妹 .*（来源：/);
    for (const [i, name] of ['老乡', '山里人', '远方'].entries()) tw.say('#gov', { id: `q${i + 2}`, userId: `${i + 2}`, login: `u${i}`, display: name, text: '请问低保怎么申请' });
    await until('combined answer', () => tw.sent.length === 2, 5000);
    expect(tw.sent[1]!.text).toMatch(/^@老乡 @山里人 @远方 /);
    await new Promise((r) => setTimeout(r, 1200));
    expect(tw.sent).toHaveLength(2);
  });

  it('send no combined answer once its entry is withdrawn: the waiting askers go back to the official’s queue', async () => {
    // Long enough for the second question and the withdrawal to land inside the window on a busy machine.
    await liveTwitchRoom(3000);
    tw.say('#gov', { id: 'w1', userId: '1', login: 'a', display: '阿妹', text: '低保怎么申请？' });
    await until('first answer', () => tw.sent.length === 1);
    const [first] = (await call(app, 'GET', `/api/questions?roomId=${roomId}`)).body;
    tw.say('#gov', { id: 'w2', userId: '2', login: 'b', display: '老乡', text: '请问低保怎么申请' });
    await until('second question stored', async () => (await call(app, 'GET', `/api/questions?roomId=${roomId}`)).body.length === 2);
    const entry = (await call(app, 'GET', `/api/policy/entries/${first.entryId}`)).body;
    expect((await call(app, 'PUT', `/api/policy/entries/${entry.id}`, { ...entry, status: 'draft' })).status).toBe(200);
    await until('back in the queue', async () => (await call(app, 'GET', `/api/questions?roomId=${roomId}&status=queued`)).body.length === 1, 10_000);
    const [requeued] = (await call(app, 'GET', `/api/questions?roomId=${roomId}&status=queued`)).body;
    expect(requeued).toMatchObject({ text: '请问低保怎么申请', asker: { name: '老乡' }, answer: null, answeredAt: null });
    await new Promise((r) => setTimeout(r, 1000));
    expect(tw.sent).toHaveLength(1);
  });

  it('answer the queued copies of a question with it, naming every asker, and dismiss copies together', async () => {
    await liveTwitchRoom();
    const asked = [['1', '阿妹', '贷款的事找谁办？'], ['2', '老乡', '贷款的事找谁办'], ['3', '山里人', '贷款的事 找谁办？？'], ['4', '远方', '低保的事找谁办？'], ['5', '过客', '低保的事找谁办']];
    for (const [userId, display, text] of asked) tw.say('#gov', { id: `c${userId}`, userId: userId!, login: `u${userId}`, display: display!, text: text! });
    const queued = async () => (await call(app, 'GET', `/api/questions?roomId=${roomId}&status=queued`)).body as { id: number; text: string }[];
    await until('all queued', async () => (await queued()).length === 5);
    const first = (await queued()).find((q) => q.text === '贷款的事找谁办？')!;
    const answered = await call(app, 'POST', `/api/questions/${first.id}/answer`, { answer: '到村委会找第一书记登记。' });
    expect(answered.body.copies).toBe(2);
    await until('one answer in chat', () => tw.sent.length === 1);
    // The asker answered first, then the copies (stored in whatever order the engine committed them).
    expect(tw.sent[0]!.text).toMatch(/^@阿妹 (@老乡 @山里人|@山里人 @老乡) 到村委会找第一书记登记。$/);
    const left = await queued();
    expect(left.map((q) => q.text).sort()).toEqual(['低保的事找谁办', '低保的事找谁办？']);
    expect((await call(app, 'POST', `/api/questions/${left[0]!.id}/dismiss`)).body).toMatchObject({ status: 'dismissed', copies: 1 });
    expect(await queued()).toEqual([]);
  });
});
