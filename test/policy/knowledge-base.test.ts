import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { auth, buildTestApp, call } from '../helper.ts';

const KB = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '../fixtures/policy-kb.zh.json'), 'utf8'));
let app: App;
beforeEach(async () => {
  app = await buildTestApp();
});
afterEach(() => app.close());

const entries = async () => (await call(app, 'GET', '/api/policy/entries')).body as { id: string; status: string; short: string }[];
const ask = async (q: string) => (await app.inject({ url: `/api/policy/ask?q=${encodeURIComponent(q)}`, headers: auth })).json();

describe('policy knowledge base', () => {
  it('imports the contract’s format, answers with the approved entry and its source', async () => {
    const res = await call(app, 'POST', '/api/policy/import', KB);
    expect(res.body).toEqual({ imported: KB.entries.length });
    const answer = await ask('小额信贷最多能贷多少钱？');
    expect(answer).toMatchObject({ answered: true, entryId: 'loan-amount-term', short: '一般5万元以下，期限3年以内', source: '脱贫人口小额信贷政策' });
    expect(answer.score).toBeGreaterThan(0);
    expect(await ask('主播今天穿得真好看')).toMatchObject({ answered: false });
  });

  it('updates an entry imported again under the same id instead of duplicating it', async () => {
    await call(app, 'POST', '/api/policy/import', KB);
    const changed = { ...KB.entries[1], short: '最高5万元，3年内' };
    await call(app, 'POST', '/api/policy/import', { version: 1, entries: [changed] });
    const all = await entries();
    expect(all).toHaveLength(KB.entries.length);
    expect(all.find((e) => e.id === changed.id)?.short).toBe('最高5万元，3年内');
  });

  it('never answers from a draft, nor from an entry not yet or no longer in force', async () => {
    const base = { title: '测试', short: '测试答案', answer: '测试', source: '测试' };
    await call(app, 'POST', '/api/policy/import', {
      version: 1,
      entries: [
        { ...base, id: 'draft', questions: ['草稿里的养蜂补贴怎么领'], status: 'draft' },
        { ...base, id: 'future', questions: ['明年的养鱼补贴怎么领'], effectiveFrom: '2999-01-01' },
        { ...base, id: 'past', questions: ['过去的养羊补贴怎么领'], effectiveTo: '2001-01-01' },
      ],
    });
    for (const q of ['草稿里的养蜂补贴怎么领', '明年的养鱼补贴怎么领', '过去的养羊补贴怎么领']) expect((await ask(q)).answered).toBe(false);
  });

  it.each([
    ['an unknown key in the file', { ...KB, extra: 1 }, /file: has an unknown key "extra"/],
    ['a wrong version', { ...KB, version: 2 }, /version/],
    ['an entry without questions', { version: 1, entries: [{ ...KB.entries[0], questions: [] }] }, /entries\[0\] \(loan-eligibility\)\.questions/],
    ['a short answer over 40 characters', { version: 1, entries: [KB.entries[0], { ...KB.entries[1], short: '短'.repeat(41) }] }, /entries\[1\] \(loan-amount-term\)\.short/],
    ['an unknown status', { version: 1, entries: [{ ...KB.entries[0], status: 'maybe' }] }, /status/],
    ['a bad date', { version: 1, entries: [{ ...KB.entries[0], effectiveFrom: '2026-13-45' }] }, /effectiveFrom/],
    ['a day the calendar does not have', { version: 1, entries: [{ ...KB.entries[0], effectiveTo: '2026-02-30' }] }, /entries\[0\] \(loan-eligibility\)\.effectiveTo/],
    ['the same id twice', { version: 1, entries: [KB.entries[0], KB.entries[0]] }, /entries\[1\]: repeats the id/],
    ['an unknown key in an entry', { version: 1, entries: [{ ...KB.entries[0], author: 'x' }] }, /entries\[0\]: has an unknown key "author"/],
  ])('refuses %s whole, naming what is wrong, and imports nothing', async (_label, file, message) => {
    const res = await call(app, 'POST', '/api/policy/import', file);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('POLICY_IMPORT_INVALID');
    expect(res.body.error.message).toMatch(message);
    expect(await entries()).toEqual([]);
  });

  it('round-trips through CSV, and through the JSON export', async () => {
    const tricky = { id: 'formula', title: '=SUM(A1)', questions: ['-测试问题一', '+测试问题二'], short: '@短答', answer: '答 "引号", 逗号', source: '来源', tags: ['a', 'b'] };
    // A value that really starts with an apostrophe keeps it; a | inside a question or tag is not a
    // separator; spaces at a question's ends and an empty region mean nothing in either format.
    const apostrophes = {
      id: 'apostrophes',
      title: "'=SUM(A1)",
      questions: ['  前后有空格  ', 'A|B是一个问题吗？', "'单撇号开头"],
      short: "''",
      answer: "'@不是公式",
      source: "'",
      tags: ['x|y', ' 空格 '],
      region: '',
    };
    await call(app, 'POST', '/api/policy/import', { ...KB, entries: [...KB.entries, tricky, apostrophes] });
    const stored = (await call(app, 'GET', '/api/policy/entries/apostrophes')).body;
    expect(stored).toMatchObject({ title: "'=SUM(A1)", questions: ['前后有空格', 'A｜B是一个问题吗？', "'单撇号开头"], short: "''", answer: "'@不是公式", source: "'", tags: ['x｜y', '空格'], region: null });
    const before = await entries();
    const exported = (await call(app, 'GET', '/api/policy/export.json')).body;
    const csv = await app.inject({ url: '/api/policy/export.csv', headers: auth });
    expect([...csv.rawPayload.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csv.body).toContain("'=SUM(A1)");

    await app.close();
    app = await buildTestApp();
    const imported = await app.inject({ method: 'POST', url: '/api/policy/import', headers: { ...auth, 'content-type': 'text/csv' }, payload: csv.rawPayload });
    expect(imported.json()).toEqual({ imported: before.length });
    expect(await entries()).toEqual(before);
    expect((await call(app, 'GET', '/api/policy/export.json')).body).toEqual(exported);

    const json = (await call(app, 'GET', '/api/policy/export.json')).body;
    expect(Object.keys(json)).toEqual(['version', 'entries']);
    await app.close();
    app = await buildTestApp();
    await call(app, 'POST', '/api/policy/import', json);
    expect(await entries()).toEqual(before);
  });

  it('names the line of a CSV that is not UTF-8, and reads the JSON format sent as plain text', async () => {
    const gbk = Buffer.concat([Buffer.from('id,title,questions,short,answer,source\na,标题,问题,短,答,源\n'), Buffer.from([0xb5, 0xcd, 0xb1, 0xa3, 0x0a])]);
    const bad = await app.inject({ method: 'POST', url: '/api/policy/import', headers: { ...auth, 'content-type': 'text/csv' }, payload: gbk });
    expect([bad.statusCode, bad.json().error.code]).toEqual([400, 'INVALID_UTF8']);
    expect(bad.json().error.message).toContain('line 3');
    const plain = await app.inject({ method: 'POST', url: '/api/policy/import', headers: { ...auth, 'content-type': 'text/plain' }, payload: `\uFEFF${JSON.stringify(KB)}` });
    expect(plain.json()).toEqual({ imported: KB.entries.length });
    // Still the strict reader: a prototype key is refused, not merged.
    const hostile = await app.inject({ method: 'POST', url: '/api/policy/import', headers: { ...auth, 'content-type': 'text/plain' }, payload: '{"__proto__": {"x": 1}, "version": 1, "entries": []}' });
    expect(hostile.statusCode).toBe(400);
  });

  it('refuses a broken CSV whole, naming the line', async () => {
    const csv = 'id,title,questions,short,answer,source\na,标题,问题一|问题二,短,答,源\nb,标题,,短,答,源\n';
    const res = await app.inject({ method: 'POST', url: '/api/policy/import', headers: { ...auth, 'content-type': 'text/csv' }, payload: csv });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.message).toContain('line 3');
    // Two columns of one name: one of them would be silently lost.
    const twice = await app.inject({
      method: 'POST',
      url: '/api/policy/import',
      headers: { ...auth, 'content-type': 'text/csv' },
      payload: 'id,id,title,questions,short,answer,source\nd1,d2,标题,问题,短,答,源\n',
    });
    expect(twice.statusCode).toBe(422);
    expect(twice.json().error.message).toContain('line 1: column "id" appears twice');
    expect(await entries()).toEqual([]);
  });

  it('answers a question of thousands of Chinese characters over HTTP, and refuses a larger request line in the API’s shape', async () => {
    await call(app, 'POST', '/api/policy/import', KB);
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    const ask = (q: string) => fetch(`${base}/api/policy/ask?q=${encodeURIComponent(q)}`, { headers: auth });
    // 5,000 characters are 45 KB escaped: past Node's 16 KB default for the request line.
    const long = await ask('小额信贷最多能贷多少钱'.repeat(500));
    expect([long.status, (await long.json()).answered]).toEqual([200, expect.any(Boolean)]);
    const huge = await ask('问'.repeat(10_000));
    expect(huge.status).toBe(431);
    expect((await huge.json()).error).toMatchObject({ code: 'HEADERS_TOO_LARGE', messageZh: expect.stringContaining('太长') });
  });

  it('answers any q with 200, and only a missing q with 400', async () => {
    await call(app, 'POST', '/api/policy/import', KB);
    for (const q of ['', '🙏', 'x'.repeat(5000), '<img src=x onerror=alert(1)>']) {
      const res = await app.inject({ url: `/api/policy/ask?q=${encodeURIComponent(q)}`, headers: auth });
      expect(res.statusCode).toBe(200);
      expect(res.json().answered).toBe(false);
    }
    const twice = await app.inject({ url: `/api/policy/ask?q=${encodeURIComponent('医保在哪里交')}&q=x`, headers: auth });
    expect([twice.statusCode, twice.json().entryId]).toEqual([200, 'medical-insurance-pay']);
    expect((await app.inject({ url: '/api/policy/ask', headers: auth })).statusCode).toBe(400);
  });

  it('lets the official extend the synonym table', async () => {
    await call(app, 'POST', '/api/policy/import', KB);
    const before = await ask('合作医疗在哪里交');
    expect((await call(app, 'PUT', '/api/policy/synonyms', { custom: { 农医: ['城乡居民医保'] } })).status).toBe(200);
    expect((await call(app, 'GET', '/api/policy/synonyms')).body.custom).toEqual({ 农医: ['城乡居民医保'] });
    expect(before.answered).toBe(true);
    expect((await ask('农医在哪里交钱')).entryId).toBe('medical-insurance-pay');
  });

  it('lets the official name subjects the knowledge base does not cover', async () => {
    await call(app, 'POST', '/api/policy/import', KB);
    // Family-planning support shares 农村, 60岁 and 补助 with the vocational-school subsidy, which
    // does not mention it: a county without that entry names the subject.
    const q = '农村独生子女父母到60岁有补助吗';
    expect((await ask(q)).answered).toBe(true);
    expect((await call(app, 'PUT', '/api/policy/outside', { custom: [' 独生子女 ', '独生子女'] })).status).toBe(200);
    const { body } = await call(app, 'GET', '/api/policy/outside');
    expect(body.custom).toEqual(['独生子女']);
    expect(body.builtIn).toContain('住房公积金');
    expect((await ask(q)).answered).toBe(false);
    expect((await ask('城乡居民养老保险多大年纪可以领')).entryId).toBe('pension-basic');
    // A word must name a subject: one character, a question word or a filler would keep most
    // questions from an answer, however it is dressed up (a zero-width space, full-width letters).
    for (const word of ['修', '修\u200B', '怎么', '多少', '主播']) {
      const res = await call(app, 'PUT', '/api/policy/outside', { custom: ['车贷', word] });
      expect(res.status, word).toBe(400);
      // The schema refuses what is short as sent; the service what is short or a question word as read.
      expect(res.body.error.code === 'VALIDATION_FAILED' ? res.body.error.message : res.body.error.messageZh).toMatch(/custom\[1\]|#2/);
    }
    expect((await call(app, 'GET', '/api/policy/outside')).body.custom).toEqual(['独生子女']);
  });

  it('edits one entry in the import format', async () => {
    await call(app, 'POST', '/api/policy/import', KB);
    const entry = { ...KB.entries[0], status: 'draft' };
    delete entry.id;
    expect((await call(app, 'PUT', '/api/policy/entries/loan-eligibility', entry)).status).toBe(200);
    expect((await call(app, 'GET', '/api/policy/entries/loan-eligibility')).body.status).toBe('draft');
    expect((await ask('小额信贷申请条件是什么')).entryId).not.toBe('loan-eligibility');
    expect((await call(app, 'GET', '/api/policy/entries/nope')).status).toBe(404);
  });
});
