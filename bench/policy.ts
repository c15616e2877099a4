/**
 * Policy Q&A: top-1 accuracy on the in-scope development questions, on the two held-out sets and
 * on the six unseen sets (never used to fit the matcher's confidence), the same over the unseen
 * sets once the official has confirmed the held-out sets' queued questions, the share of off-topic
 * lines refused, and answer latency on the demo knowledge base and on generated ones of 1,000
 * and 10,000 entries.
 */
import fs from 'node:fs';
import path from 'node:path';
import { asEntryQuestion, readKnowledgeBase, type PolicyEntry } from '../src/policy/entry.ts';
import { ANSWER_AT, PolicyMatcher } from '../src/policy/matcher.ts';
import { verdict } from '../src/policy/service.ts';
import { DEFAULT_SYNONYMS } from '../src/policy/synonyms.ts';
import { ROOT } from '../src/paths.ts';
import { percentile, progress, round, type Result } from './report.ts';

const FIXTURES = path.join(ROOT, 'test', 'fixtures');
const kb = readKnowledgeBase(JSON.parse(fs.readFileSync(path.join(FIXTURES, 'policy-kb.zh.json'), 'utf8')));
const lines = (file: string) =>
  fs
    .readFileSync(path.join(FIXTURES, file), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { q: string; expect: string | null });

/** In-scope questions answered with the right entry, answered with a wrong one, and off-topic lines refused, over `sets`. */
function accuracy(matcher: PolicyMatcher, sets: string[]) {
  let inRight = 0;
  let inWrong = 0;
  let inAll = 0;
  let outRight = 0;
  let outAll = 0;
  for (const { q, expect } of sets.flatMap((set) => lines(`policy-questions.${set}.jsonl`))) {
    const m = matcher.match(q);
    const got = m && m.score >= ANSWER_AT ? m.entry.id : null;
    if (expect === null) {
      outAll++;
      if (!got) outRight++;
    } else {
      inAll++;
      if (got === expect) inRight++;
      else if (got) inWrong++;
    }
  }
  return { InScopeRight: round(inRight / inAll, 3), WrongAnswers: inWrong, OffTopicRefused: round(outRight / outAll, 3) };
}

/** `accuracy`'s figures, named after what they measure: `unseen2InScopeRight`. */
const named = (prefix: string, figures: ReturnType<typeof accuracy>) => Object.fromEntries(Object.entries(figures).map(([k, v]) => [`${prefix}${k}`, v]));

/** A knowledge base of `n` entries: the demo's, repeated with a distinct local word in each copy. */
function generated(n: number): PolicyEntry[] {
  const places = ['石门', '白岩', '乌东', '龙塘', '青山', '黄泥', '竹林', '高坡', '新寨', '河口'];
  return Array.from({ length: n }, (_, i) => {
    const e = kb[i % kb.length]!;
    const tag = `${places[i % places.length]}${Math.floor(i / kb.length)}村`;
    return { ...e, id: `${e.id}-${i}`, title: `${tag}${e.title}`, questions: e.questions.map((q) => `${tag}${q}`) };
  });
}

function latency(entries: PolicyEntry[]): { p50Ms: number; p99Ms: number } {
  const matcher = new PolicyMatcher(entries, DEFAULT_SYNONYMS);
  const questions = ['dev', 'holdout', 'holdout2', 'unseen', 'unseen2', 'unseen3', 'unseen4', 'unseen5', 'unseen6', 'unseen7', 'unseen8', 'unseen9', 'unseen10', 'unseen11', 'unseen12'].flatMap((set) => lines(`policy-questions.${set}.jsonl`)).map((l) => l.q);
  for (const q of questions.slice(0, 50)) matcher.match(q);
  const times: number[] = [];
  for (let round_ = 0; round_ < 4; round_++) {
    for (const q of questions) {
      const t0 = performance.now();
      matcher.match(q);
      times.push(performance.now() - t0);
    }
  }
  times.sort((a, b) => a - b);
  return { p50Ms: round(percentile(times, 50), 3), p99Ms: round(percentile(times, 99), 3) };
}

const UNSEEN = ['unseen', 'unseen2', 'unseen3', 'unseen4', 'unseen5', 'unseen6', 'unseen7', 'unseen8', 'unseen9', 'unseen10', 'unseen11', 'unseen12'];

/**
 * The knowledge base after a while in use: every in-scope question of the held-out sets that a
 * Q&A room would have queued was answered by the official with its right entry, keeping the
 * viewer's words (`POST /api/questions/:id/answer { entryId, learn: true }`).
 */
function learned(): { entries: PolicyEntry[]; learned: Map<string, Set<string>>; count: number } {
  const before = new PolicyMatcher(kb, DEFAULT_SYNONYMS);
  const added = new Map<string, string[]>();
  let count = 0;
  for (const { q, expect } of ['holdout', 'holdout2'].flatMap((set) => lines(`policy-questions.${set}.jsonl`))) {
    const question = asEntryQuestion(q);
    if (expect === null || !question || verdict(before, q)?.status !== 'queued') continue;
    if (added.get(expect)?.includes(question)) continue;
    added.set(expect, [...(added.get(expect) ?? []), question]);
    count++;
  }
  return {
    entries: kb.map((e) => ({ ...e, questions: [...e.questions, ...(added.get(e.id) ?? [])] })),
    learned: new Map([...added].map(([id, questions]) => [id, new Set(questions)])),
    count,
  };
}

export async function policy(): Promise<Result> {
  progress('policy Q&A: accuracy and latency…');
  const matcher = new PolicyMatcher(kb, DEFAULT_SYNONYMS);
  // The holdout sets were used to fit the confidence; the unseen ones never were.
  const sets = ['dev', 'holdout', 'holdout2', ...UNSEEN].map((set) => named(set, accuracy(matcher, [set])));
  const taught = learned();
  const demo = latency(kb);
  const thousand = latency(generated(1000));
  const tenThousand = latency(generated(10_000));
  return {
    name: 'policy-qa',
    figures: {
      ...Object.assign({}, ...sets),
      ...named('allUnseen', accuracy(matcher, UNSEEN)),
      learnedQuestions: taught.count,
      ...named('afterLearningAllUnseen', accuracy(new PolicyMatcher(taught.entries, DEFAULT_SYNONYMS, taught.learned), UNSEEN)),
      demoEntries: kb.length,
      demoP50Ms: demo.p50Ms,
      demoP99Ms: demo.p99Ms,
      entries1kP50Ms: thousand.p50Ms,
      entries1kP99Ms: thousand.p99Ms,
      entries10kP50Ms: tenThousand.p50Ms,
      entries10kP99Ms: tenThousand.p99Ms,
    },
  };
}
