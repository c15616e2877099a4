/**
 * Fits the policy matcher's confidence (`CONFIDENCE_WEIGHTS` in src/policy/matcher.ts): logistic
 * regression with a little L2, on the matcher's evidence for every line of the development and
 * held-out question sets, labelled 1 when the best entry is the expected one and 0 otherwise
 * (off-topic chat included), and for every in-scope line once more against the knowledge base
 * without its entry, labelled 0: when the entry a viewer asks about is missing, a neighbouring
 * entry must not answer in its place. Prints the weights to paste, and what they do on each set, including
 * the unseen sets, which are never fitted on.
 *
 *   node --import tsx scripts/fit-policy-confidence.ts
 *   FIT_ON=dev,holdout,holdout2,unseen node --import tsx scripts/fit-policy-confidence.ts   # other sets to fit on
 */
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../src/paths.ts';
import { readKnowledgeBase } from '../src/policy/entry.ts';
import { ANSWER_AT, confidence, PolicyMatcher, type Evidence } from '../src/policy/matcher.ts';
import { DEFAULT_SYNONYMS } from '../src/policy/synonyms.ts';

const FIXTURES = path.join(ROOT, 'test', 'fixtures');
const FIT_ON = process.env.FIT_ON ? process.env.FIT_ON.split(',').map((s) => `policy-questions.${s}.jsonl`) : ['policy-questions.dev.jsonl', 'policy-questions.holdout.jsonl', 'policy-questions.holdout2.jsonl'];
/** Written separately again, after the fitting, and never fitted on. */
const UNSEEN = ['policy-questions.unseen.jsonl', 'policy-questions.unseen2.jsonl', 'policy-questions.unseen3.jsonl', 'policy-questions.unseen4.jsonl', 'policy-questions.unseen5.jsonl', 'policy-questions.unseen6.jsonl', 'policy-questions.unseen7.jsonl', 'policy-questions.unseen8.jsonl', 'policy-questions.unseen9.jsonl', 'policy-questions.unseen10.jsonl', 'policy-questions.unseen11.jsonl', 'policy-questions.unseen12.jsonl'];
const FEATURES = ['coverage', 'explained', 'margin', 'longWords', 'titled', 'aspect'] as const;
const L2 = 0.01;
/** How much a line asked against the knowledge base without its entry counts, against a real one. */
const MISSING_WEIGHT = 0.4;

const kb = readKnowledgeBase(JSON.parse(fs.readFileSync(path.join(FIXTURES, 'policy-kb.zh.json'), 'utf8')));
const matcher = new PolicyMatcher(kb, DEFAULT_SYNONYMS);

interface Row { evidence: Evidence | undefined; inScope: boolean; right: boolean; weight?: number }
const lines = (file: string) =>
  fs.readFileSync(path.join(FIXTURES, file), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as { q: string; expect: string | null });
const rows = (file: string): Row[] =>
  lines(file).map(({ q, expect }) => {
    const m = matcher.match(q);
    return { evidence: m?.evidence, inScope: expect !== null, right: expect !== null && m?.entry.id === expect };
  });
const without = new Map<string, PolicyMatcher>();
const withoutTheirEntry = (file: string): Row[] =>
  lines(file).flatMap(({ q, expect }) => {
    if (expect === null) return [];
    if (!without.has(expect)) without.set(expect, new PolicyMatcher(kb.filter((e) => e.id !== expect), DEFAULT_SYNONYMS));
    return [{ evidence: without.get(expect)!.match(q)?.evidence, inScope: false, right: false, weight: MISSING_WEIGHT }];
  });

const training = [...FIT_ON.flatMap(rows), ...FIT_ON.flatMap(withoutTheirEntry)].filter((r): r is Row & { evidence: Evidence } => r.evidence !== undefined && r.evidence.longWords > 0);
const x = (e: Evidence) => [1, ...FEATURES.map((f) => e[f])];
const w = new Array<number>(FEATURES.length + 1).fill(0);
for (let step = 0; step < 20_000; step++) {
  const gradient = new Array<number>(w.length).fill(0);
  for (const r of training) {
    const xi = x(r.evidence);
    const p = 1 / (1 + Math.exp(-xi.reduce((a, v, i) => a + v * w[i]!, 0)));
    xi.forEach((v, i) => (gradient[i]! += (r.weight ?? 1) * (p - (r.right ? 1 : 0)) * v));
  }
  w.forEach((_, i) => (w[i]! -= 0.05 * (gradient[i]! / training.length + (i > 0 ? L2 * w[i]! : 0))));
}
const weights = Object.fromEntries([['bias', w[0]!], ...FEATURES.map((f, i) => [f, w[i + 1]!])].map(([k, v]) => [k, Math.round((v as number) * 1000) / 1000]));
console.log(`fitted:  ${JSON.stringify(weights)}`);

// What the weights in the source do (paste the fitted ones there first to see theirs).
for (const file of [...FIT_ON, ...UNSEEN]) {
  const all = rows(file);
  const answered = (r: Row) => r.evidence !== undefined && confidence(r.evidence) >= ANSWER_AT;
  const inScope = all.filter((r) => r.inScope);
  const offTopic = all.filter((r) => !r.inScope);
  console.log(
    `${file.padEnd(34)} in-scope right ${(inScope.filter((r) => r.right && answered(r)).length / inScope.length).toFixed(3)}` +
      `  wrong answers ${inScope.filter((r) => !r.right && answered(r)).length}  off-topic refused ${(offTopic.filter((r) => !answered(r)).length / offTopic.length).toFixed(3)}` +
      `  refused without their entry ${(withoutTheirEntry(file).filter((r) => !answered(r)).length / inScope.length).toFixed(3)}`,
  );
}
