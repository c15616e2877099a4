import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readKnowledgeBase, type PolicyEntry } from '../../src/policy/entry.ts';
import { aspectsOf } from '../../src/policy/aspects.ts';
import { ANSWER_AT, PolicyMatcher, REVIEW_AT } from '../../src/policy/matcher.ts';
import { DEFAULT_OUTSIDE } from '../../src/policy/outside.ts';
import { DEFAULT_SYNONYMS } from '../../src/policy/synonyms.ts';
import { terms } from '../../src/policy/text.ts';

const FIXTURES = path.join(import.meta.dirname, '../fixtures');
const kb = readKnowledgeBase(JSON.parse(fs.readFileSync(path.join(FIXTURES, 'policy-kb.zh.json'), 'utf8')));
const matcher = new PolicyMatcher(kb, DEFAULT_SYNONYMS);
const lines = (file: string) =>
  fs
    .readFileSync(path.join(FIXTURES, file), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { q: string; expect: string | null });

function evaluate(file: string) {
  let inRight = 0;
  let inWrong = 0;
  let inAll = 0;
  let outRight = 0;
  let outAll = 0;
  for (const { q, expect } of lines(file)) {
    const m = matcher.match(q);
    const got = m && m.score >= ANSWER_AT ? m.entry.id : null;
    if (expect === null) {
      outAll++;
      if (got === null) outRight++;
    } else {
      inAll++;
      if (got === expect) inRight++;
      else if (got !== null) inWrong++;
    }
  }
  return { inScope: inRight / inAll, wrong: inWrong / inAll, refused: outRight / outAll };
}

describe('policy question matching', () => {
  it('answers the development set’s paraphrases and refuses its off-topic chat', () => {
    const { inScope, wrong, refused } = evaluate('policy-questions.dev.jsonl');
    expect(inScope).toBeGreaterThanOrEqual(0.95);
    expect(wrong).toBe(0);
    expect(refused).toBeGreaterThanOrEqual(0.95);
  });

  // Harder sets written separately (colloquial, terse, hard negatives that share words with
  // entries): `holdout` and `holdout2` were fitted on with the dev set (scripts/
  // fit-policy-confidence.ts); the `unseen` sets never were, and say how the matcher
  // carries over. The floors sit just under what the matcher measures today, to catch
  // regressions; a wrong answer is worse than none, so those have a ceiling.
  const SETS: [string, number, number][] = [
    ['policy-questions.holdout.jsonl', 0.85, 0.97],
    ['policy-questions.holdout2.jsonl', 0.81, 0.95],
    ['policy-questions.unseen.jsonl', 0.85, 0.96],
    ['policy-questions.unseen2.jsonl', 0.91, 0.96],
    ['policy-questions.unseen3.jsonl', 0.91, 0.96],
    ['policy-questions.unseen4.jsonl', 0.89, 0.95],
    ['policy-questions.unseen5.jsonl', 0.88, 0.98],
    ['policy-questions.unseen6.jsonl', 0.89, 0.98],
    ['policy-questions.unseen7.jsonl', 0.85, 0.96],
    ['policy-questions.unseen8.jsonl', 0.82, 0.85],
    ['policy-questions.unseen9.jsonl', 0.87, 0.96],
    ['policy-questions.unseen10.jsonl', 0.78, 0.79],
    ['policy-questions.unseen11.jsonl', 0.78, 0.82],
    ['policy-questions.unseen12.jsonl', 0.82, 0.96],
  ];
  it.each(SETS)('holds its floors on the separately written %s', (file, inScopeFloor, refusedFloor) => {
    const { inScope, wrong, refused } = evaluate(file);
    expect(inScope).toBeGreaterThanOrEqual(inScopeFloor);
    expect(wrong).toBeLessThanOrEqual(0.04);
    expect(refused).toBeGreaterThanOrEqual(refusedFloor);
  });

  it('answers under 2 % of all the separately written in-scope questions wrongly', () => {
    const sets = SETS.map(([file]) => ({ file, n: lines(file).filter((l) => l.expect !== null).length, ...evaluate(file) }));
    const wrong = sets.reduce((a, s) => a + s.wrong * s.n, 0) / sets.reduce((a, s) => a + s.n, 0);
    expect(wrong).toBeLessThan(0.02);
  });

  // A wrong answer is worse than none: when the entry a question is about is missing, a
  // neighbouring entry must not answer in its place.
  it('mostly refuses a question whose entry is missing, rather than answer with a neighbour', () => {
    const questions = [...lines('policy-questions.dev.jsonl'), ...lines('policy-questions.holdout.jsonl')].filter((l) => l.expect !== null);
    const without = new Map<string, PolicyMatcher>();
    let refused = 0;
    for (const { q, expect } of questions) {
      if (!without.has(expect!)) without.set(expect!, new PolicyMatcher(kb.filter((e) => e.id !== expect), DEFAULT_SYNONYMS));
      const m = without.get(expect!)!.match(q);
      if (!m || m.score < ANSWER_AT) refused++;
    }
    expect(refused / questions.length).toBeGreaterThanOrEqual(0.75);
  });

  it('finds nothing in empty, emoji-only, huge, hostile or foreign text, and never throws', () => {
    for (const q of ['', '   ', '🙏🙏🙏', '？？？', '666', 'hello world', '<script>alert(1)</script>', '买'.repeat(100_000), '\u0000\u0001', '\uD800', 'SELECT * FROM policy_entries']) {
      const m = matcher.match(q);
      expect(m === undefined || m.score < ANSWER_AT).toBe(true);
    }
  });

  it('reads mixed script and full-width text', () => {
    expect(matcher.match('ＡＢＣ 小额信贷最多能贷多少钱')?.entry.id).toBe('loan-amount-term');
    expect(matcher.match('832平台怎么入驻')?.entry.id).toBe('platform-832');
  });

  it('learns local words from the synonym table', () => {
    const plain = new PolicyMatcher(kb, {});
    const local = new PolicyMatcher(kb, { 扶贫贷: ['小额信贷'] });
    const q = '扶贫贷最多给几万';
    expect((plain.match(q)?.score ?? 0) < (local.match(q)?.score ?? 0)).toBe(true);
    expect(local.match(q)?.entry.id).toBe('loan-amount-term');
  });

  it('tells what a question asks from general question forms', () => {
    expect([...aspectsOf('扶贫贷款一户顶多给几万')]).toEqual(['amount']);
    expect([...aspectsOf('低保找谁办')]).toEqual(['procedure']);
    // 现在哪些人 is who, not where; 补到哪年 is not where to apply.
    expect([...aspectsOf('现在哪些人能领低保')]).toEqual(['who']);
    expect(aspectsOf('这补贴能补到哪年').has('procedure')).toBe(false);
    expect([...aspectsOf('哪些人能申请')]).toEqual(['who']);
    expect([...aspectsOf('申报要带什么材料')]).toEqual(['materials']);
    expect([...aspectsOf('贷款能借几年')]).toEqual(['duration']);
    expect([...aspectsOf('养老金几岁开始领')]).toEqual(['age']);
    expect([...aspectsOf('这钱能拿来盖房子吗')]).toEqual(['use']);
    expect([...aspectsOf('两免一补是什么')]).toEqual(['definition']);
    expect([...aspectsOf('低保户交医保能少交点不')]).toEqual(['relief']);
    expect(aspectsOf('主播今天真好看').size).toBe(0);
    // Told rather than asked: an age given, money to be spent on something, things to bring.
    expect(aspectsOf('俺都67了，还能办小额信贷吗').has('age')).toBe(true);
    expect(aspectsOf('我爸今年六十五岁了能贷吗').has('age')).toBe(true);
    expect(aspectsOf('贷的钱能借给亲戚用吗').has('use')).toBe(true);
    expect(aspectsOf('这钱能给儿子办婚礼吗').has('use')).toBe(true);
    expect(aspectsOf('报监测要交哪些东西').has('materials')).toBe(true);
    expect(aspectsOf('那个表谁帮着填').has('materials')).toBe(true);
    // "逾期了咋办" asks what to do now, not how to apply for something.
    expect(aspectsOf('信用卡逾期了咋办').has('procedure')).toBe(false);
    expect(aspectsOf('咋办低保').has('procedure')).toBe(true);
    // Selling chat that merely looks like those forms.
    expect(aspectsOf('小额信贷逾期了咋办呢').has('procedure')).toBe(false);
    expect(aspectsOf('这款能给我便宜点吗').has('use')).toBe(false);
    expect(aspectsOf('这是什么东西').has('materials')).toBe(false);
    expect(aspectsOf('满99了能包邮吗').has('age')).toBe(false);
    // 咋回事 and 啥意思 ask what something is; they are not words of its subject.
    expect(terms('五保户是咋回事').get('回事')?.asks).toBe(true);
    expect(terms('监测户是啥意思').get('意思')?.asks).toBe(true);
    // The piece search mode cuts from a question form (有没有 → 没有) is the form, not the subject: a
    // question about vocational school matched an entry titled "…参加医保有没有补助" on it.
    expect(terms('读中专有没有补助').get('没有')).toMatchObject({ topic: false, asks: true });
    expect(terms('没有医保怎么办').get('没有')?.topic).toBe(true);
    expect(matcher.match('读中专有没有补助')?.entry.id).toBe('yulu');
    // Words are the dictionary's: no new word made up of characters jieba does not know.
    expect([...terms('直播间能刷点赞吗').keys()]).not.toContain('能刷点');
  });

  // Two entries on one subject, told apart only by what each is asked: not a word of the
  // questions below is in either entry beyond the subject.
  it('puts the entry asked what the question asks ahead of its neighbours on the same subject', () => {
    const base = { short: '', answer: '', source: '县农业农村局', tags: [], region: null, effectiveFrom: null, effectiveTo: null, status: 'approved' as const };
    const subject = new PolicyMatcher(
      [
        { ...base, id: 'amount', title: '养蜂补助标准', questions: ['养蜂补助一箱给多少钱？'] },
        { ...base, id: 'apply', title: '养蜂补助申领', questions: ['养蜂补助怎么申请？'] },
        { ...base, id: 'docs', title: '养蜂补助所需材料', questions: ['养蜂补助要带什么材料？'] },
      ],
      {},
    );
    expect(subject.match('养蜂补助顶多补几万')?.entry.id).toBe('amount');
    expect(subject.match('养蜂补助去哪办')?.entry.id).toBe('apply');
    expect(subject.match('养蜂补助要准备啥')?.entry.id).toBe('docs');
  });

  // "找谁办" is worded like none of the entry's questions, but asks what it answers (how to apply).
  it('counts the question word as explained by an entry that answers what it asks', () => {
    const base = { short: '', answer: '', source: '县农业农村局', tags: [], region: null, effectiveFrom: null, effectiveTo: null, status: 'approved' as const };
    const coverage = (question: string) => new PolicyMatcher([{ ...base, id: 'x', title: '养蜂补助', questions: [question] }], {}).match('养蜂补助找谁办')!.evidence.coverage;
    expect(coverage('养蜂补助怎么申请？')).toBeGreaterThan(coverage('养蜂补助有多少？'));
  });

  // 贷款 and 利率 are the micro-credit entry's words; a city mortgage is not its subject.
  it('leaves a question about a subject outside the knowledge base to the official', () => {
    const m = matcher.match('城里买房贷款利率现在多少')!;
    expect(m.evidence.outside).toBe('买房');
    expect(matcher.match('盖房贷款能贷多少')!.evidence.outside).toBeUndefined();
    expect(m.score).toBeLessThanOrEqual(REVIEW_AT);
    // An entry that mentions the subject answers as usual.
    const base = { short: '', source: '县住建局', tags: [], region: null, effectiveFrom: null, effectiveTo: null, status: 'approved' as const };
    const county = new PolicyMatcher([{ ...base, id: 'fund', title: '住房公积金提取', questions: ['住房公积金怎么提取？'], answer: '带身份证到县公积金中心办理。' }], {});
    expect(county.match('住房公积金咋提取')!.score).toBeGreaterThanOrEqual(ANSWER_AT);
    expect(new PolicyMatcher(kb, DEFAULT_SYNONYMS, new Map(), []).match('城里买房贷款利率现在多少')!.score).toBeGreaterThan(REVIEW_AT);
  });

  // No in-scope question of any set names a built-in subject its entry does not mention (it would
  // be refused), and no word of the synonym table holds one (退休金 is the rural pension there).
  it('keeps its outside subjects clear of what the knowledge base answers', () => {
    const texts = new Map(kb.map((e) => [e.id, [e.title, ...e.questions, e.short, e.answer, ...e.tags].join('\n')]));
    const files = fs.readdirSync(FIXTURES).filter((f) => f.startsWith('policy-questions.'));
    const refused = files.flatMap((f) => lines(f)).filter(({ q, expect }) => expect !== null && DEFAULT_OUTSIDE.some((w) => q.includes(w) && !texts.get(expect)!.includes(w)));
    expect(refused).toEqual([]);
    const synonymWords = new Set(Object.entries(DEFAULT_SYNONYMS).flatMap(([k, v]) => [k, ...v]));
    expect(DEFAULT_OUTSIDE.filter((w) => [...synonymWords].some((s) => s.includes(w)))).toEqual([]);
  });

  // A viewer's question the official keeps (记住这个问法) must not make its entry one that answers
  // about the subject it named in passing.
  it('reads the subjects an entry mentions from its author’s words, not from the questions it learned', () => {
    const carInsurance = '家里有车险，庄稼受灾了还能理赔吗';
    const crop = kb.find((e) => e.id === 'crop-insurance')!;
    const taught = kb.map((e) => (e === crop ? { ...e, questions: [...e.questions, carInsurance] } : e));
    const learned = new PolicyMatcher(taught, DEFAULT_SYNONYMS, new Map([['crop-insurance', new Set([carInsurance])]]));
    expect(learned.match('车险出险了咋理赔')!.score).toBeLessThanOrEqual(REVIEW_AT);
    // As ordinary words, the learned question would have opened the entry to car insurance.
    expect(new PolicyMatcher(taught, DEFAULT_SYNONYMS).match('车险出险了咋理赔')!.evidence.outside).toBeUndefined();
  });

  it('reads what an entry answers from the questions its author wrote, not from those it learned', () => {
    const base = { short: '', answer: '', source: '县农业农村局', tags: [], region: null, effectiveFrom: null, effectiveTo: null, status: 'approved' as const };
    const learnedWords = '养蜂补助一箱最多给多少';
    const apply = { ...base, id: 'apply', title: '养蜂补助申领', questions: ['养蜂补助怎么申请？', learnedWords] };
    const q = '养蜂补助一年最多给多少';
    // Learned as ordinary words, it made the how-to-apply entry one that answers amounts.
    expect(new PolicyMatcher([apply], {}).match(q)?.evidence.aspect).toBe(1);
    expect(new PolicyMatcher([apply], {}, new Map([['apply', new Set([learnedWords])]])).match(q)?.evidence.aspect).toBe(-1);
  });

  // 分红 and 第一 stand only in the full answers of the loan-use and live-selling-rules entries;
  // the questions' other words are the neighbours' (loan amounts, selling one's own produce).
  it('lets a word only one or two entries have name them, even when it stands only in the full answer', () => {
    expect(matcher.match('小额信贷的钱能入股拿分红吗')?.entry.id).toBe('loan-use');
    expect(matcher.match('直播能说自家产品全国第一吗')?.entry.id).toBe('livestream-rules');
  });

  // The disability entries have 重度残疾 in their questions; the pension entry's answer says the
  // government pays the premium of the severely disabled, and holds 养老保险 besides.
  it('prefers, among close entries, the one that explains clearly more of the question', () => {
    expect(matcher.match('重度残疾人的养老保险谁帮交')?.entry.id).toBe('pension-basic');
  });

  it('finds the right entry among 1,000', () => {
    const many: PolicyEntry[] = Array.from({ length: 1000 }, (_, i) => ({ ...kb[i % kb.length]!, id: `e${i}`, title: `${kb[i % kb.length]!.title}${i}` }));
    const big = new PolicyMatcher(many, DEFAULT_SYNONYMS);
    expect(big.match('小额信贷最多能贷多少钱')?.entry.title).toMatch(/^小额信贷额度和期限/);
  });
});
