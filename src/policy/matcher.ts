/**
 * Finds the knowledge-base entry a viewer's question is about, or none. Entries are ranked with
 * BM25 over three fields (questions and title; short answer and tags; full answer), the question
 * widened with the synonym table (新农合 also searches 城乡居民医保), and entries asked the same
 * kind of thing as the question (an amount, how to apply: `aspectsOf`) ahead. The best entry is then
 * trusted by a calibrated confidence: the probability, from a logistic model over how much of the
 * question the entry explains (`Evidence`), that it is the right answer. A wrong answer is worse
 * than none, so only a confident match is answered; a middling one goes to the official, and so
 * does one whose question names a subject the knowledge base does not cover (`outside.ts`). */
import { aspectsOf, type Aspect } from './aspects.ts';
import type { PolicyEntry } from './entry.ts';
import { DEFAULT_OUTSIDE, outsideSubject } from './outside.ts';
import { synonymsIn, type SynonymTable } from './synonyms.ts';
import { normalizeQuestion, terms, type Term } from './text.ts';

type Learned = ReadonlySet<string> | undefined;
/**
 * Field weights: what an entry's author says it is asked counts most, its full answer least.
 * Questions it learned from viewers weigh as its full answer does: they bring the viewers' context
 * along (在广东打工, 啥样的人家), which at full weight drew other questions with that context to
 * the entry. Measured with the held-out sets' queued questions learned: over the nine unseen sets,
 * wrong answers 21 → 15 and right ones 89.0 → 89.6 % (weights 1 to 0.1 tried).
 */
const FIELDS = [
  { weight: 1, of: (e: PolicyEntry, learned: Learned) => [e.title, ...e.questions.filter((q) => !learned?.has(q))].join('。') },
  { weight: 0.6, of: (e: PolicyEntry) => [e.short, ...e.tags].join('。') },
  { weight: 0.3, of: (e: PolicyEntry) => e.answer },
  { weight: 0.3, of: (e: PolicyEntry, learned: Learned) => e.questions.filter((q) => learned?.has(q)).join('。') },
] as const;

/**
 * A word at most this many entries have (授权书, 分红, 12317) names what it belongs to wherever it
 * stands: in the full answer it counts at least as much as in the short one. Plain questions often
 * ask about such a detail, which only the full answer holds.
 */
const RARE_DF = 2;
const RARE_FLOOR = FIELDS[1].weight;

const K1 = 1.2;
const B = 0.75;
/** Synonyms widen the search but weigh less than what the viewer actually wrote. */
const SYNONYM_WEIGHT = 0.7;
/** Question words weigh less than subject words in the confidence. */
const ASKS_WEIGHT = 0.5;
/**
 * How much further ahead an entry asked the same kind of thing as the question goes: of the loan
 * entries, "一户顶多给几万" is for the one asked "最多能贷多少钱". Chosen on the fitted sets (0.3
 * to 1 were tried): enough to settle near-ties between neighbouring entries, not to outweigh the subject.
 */
const ASPECT_BONUS = 0.5;

/**
 * BM25 prefers an entry whose title or questions hold one word of the question to one whose full
 * answer holds all of them: "重度残疾人交养老保险政府帮交吗" went to the disability subsidies (重度
 * 残疾 in their questions), not to the pension entry whose answer says the government pays it for
 * the severely disabled. So of the entries scoring at least RERANK_WITHIN of the best (the
 * RERANK_CANDIDATES best), one that explains clearly more of the question (its coverage
 * RERANK_LEAD ahead) is taken instead. Chosen on all twelve question sets (0.3–0.8 and 0.05–0.2
 * tried): wrong answers 34 → 17, right ones 1,412 → 1,438 of 1,769.
 */
const RERANK_WITHIN = 0.5;
const RERANK_LEAD = 0.1;
const RERANK_CANDIDATES = 5;

/**
 * Confidence at or above: answer. Between: an official should look. Below: not a question for the
 * knowledge base. Over all fifteen question sets, 0.47 → 0.45 answers 13 more questions rightly for
 * 2 more off-topic lines answered and no more wrong answers; each step below costs more (0.44: 6
 * more right for 1 more wrong and 4 more off-topic).
 */
export const ANSWER_AT = 0.45;
export const REVIEW_AT = 0.15;

/**
 * What the best entry has going for it. Masses are in units of the rarest word's IDF, so they
 * mean the same for a small and a large knowledge base.
 */
export interface Evidence {
  /** 0–1: the IDF-weighted share of the question's words the entry contains. */
  coverage: number;
  /** The IDF mass of the question's words the entry contains. */
  explained: number;
  /** 0–1: how far the entry's BM25 score is ahead of the next entry's. */
  margin: number;
  /** How many words of two characters or more the entry contains (counted up to MAX_LONG_WORDS). */
  longWords: number;
  /**
   * 0–1: the IDF-weighted share of the entry's title words the question has (or stands for
   * through a synonym). The title names the entry's subject: chat that shares a side word with an
   * entry ("能便宜点不" and the live-selling rules) rarely has it.
   */
  titled: number;
  /** 1: the entry is asked what the question asks (`aspectsOf`); -1: the question asks something else; 0: neither. */
  aspect: number;
  /** A subject word of the question (住房公积金, 车险) that no field of the entry mentions: see `outside.ts`. */
  outside?: string;
}

export const CONFIDENCE_WEIGHTS = { bias: -3.89, coverage: 0.604, explained: 0.795, margin: 1.206, longWords: 1.047, titled: 1.729, aspect: 0.383 };
const MAX_LONG_WORDS = 3;

export interface Match {
  entry: PolicyEntry;
  /** 0–1: the confidence that the entry answers the question. */
  score: number;
  evidence: Evidence;
}

type Group = { term: string; t: Term; alternatives: string[] };

interface Posting {
  doc: number;
  /** Term frequency per field. */
  tf: number[];
}

export class PolicyMatcher {
  private readonly postings = new Map<string, Posting[]>();
  private readonly lengths: number[][];
  private readonly avgLength: number[];
  private readonly maxIdf: number;
  /** Per entry: what its title and questions ask, and its title's subject words. */
  private readonly aspects: Set<Aspect>[];
  private readonly titles: string[][];
  /** Per entry: everything it says, normalized, for the subjects it mentions. */
  private readonly texts: string[];

  /**
   * `learned`: per entry, the questions it learned from viewers (the moderation queue's `learn`).
   * They are matched at the weight of the full answer (see FIELDS), and what an entry answers (its
   * aspects, the subjects it mentions) is read from the questions its author wrote: one viewer's
   * way of asking must not widen it for every question.
   */
  constructor(
    private readonly entries: readonly PolicyEntry[],
    private readonly synonyms: SynonymTable,
    learned: ReadonlyMap<string, ReadonlySet<string>> = new Map(),
    /** Subjects outside the knowledge base (normalized words). */
    private readonly outside: readonly string[] = DEFAULT_OUTSIDE,
  ) {
    this.lengths = entries.map(() => FIELDS.map(() => 0));
    entries.forEach((entry, doc) => {
      const perTerm = new Map<string, number[]>();
      FIELDS.forEach((field, f) => {
        for (const [t, { count }] of terms(field.of(entry, learned.get(entry.id)))) {
          const tf = perTerm.get(t) ?? FIELDS.map(() => 0);
          tf[f] = count;
          perTerm.set(t, tf);
          this.lengths[doc]![f]! += count;
        }
      });
      for (const [t, tf] of perTerm) {
        const list = this.postings.get(t) ?? [];
        list.push({ doc, tf });
        this.postings.set(t, list);
      }
    });
    this.avgLength = FIELDS.map((_, f) => this.lengths.reduce((a, l) => a + l[f]!, 0) / Math.max(1, entries.length) || 1);
    this.maxIdf = this.idf(0);
    this.aspects = entries.map((e) => aspectsOf([e.title, ...e.questions.filter((q) => !learned.get(e.id)?.has(q))].join('。')));
    // As for aspects, the author's words only: a viewer's question kept with 记住这个问法 ("家里有车险，庄稼受灾
    // 能理赔吗") must not make its entry one that answers about car insurance.
    this.texts = entries.map((e) =>
      normalizeQuestion([e.title, ...e.questions.filter((q) => !learned.get(e.id)?.has(q)), e.short, e.answer, ...e.tags].join('\n')),
    );
    this.titles = entries.map((e) => [...terms(e.title)].filter(([, t]) => t.topic && t.long).map(([word]) => word));
  }

  get size(): number {
    return this.entries.length;
  }

  private idf(df: number): number {
    return Math.log(1 + (this.entries.length - df + 0.5) / (df + 0.5));
  }

  private bm25(term: string, weight: number, scores: Float64Array): void {
    const list = this.postings.get(term);
    if (!list) return;
    const idf = this.idf(list.length);
    for (const { doc, tf } of list) {
      let s = 0;
      FIELDS.forEach((field, f) => {
        const n = tf[f]!;
        if (n > 0) s += (field.weight * (n * (K1 + 1))) / (n + K1 * (1 - B + (B * this.lengths[doc]![f]!) / this.avgLength[f]!));
      });
      scores[doc]! += weight * idf * (list.length <= RARE_DF ? Math.max(s, RARE_FLOOR) : s);
    }
  }

  /** The best entry for the question, with its score, or undefined when nothing shares a word. */
  match(question: string): Match | undefined {
    if (this.entries.length === 0) return undefined;
    const text = question.slice(0, 500);
    const own = terms(text);
    if (own.size === 0) return undefined;
    // Each of the viewer's words, with the policy terms it may stand for.
    const groups: Group[] = [...own].map(([term, t]) => ({ term, t, alternatives: [] }));
    for (const [word, policyTerms] of synonymsIn(text, this.synonyms)) {
      const alternatives = policyTerms.flatMap((p) => [...terms(p).keys()]);
      const group = groups.find((g) => g.term === word) ?? groups.find((g) => word.includes(g.term) && g.t.long);
      if (group) group.alternatives.push(...alternatives);
      else groups.push({ term: word, t: { count: 1, weight: 1, topic: true, long: true, asks: false }, alternatives });
    }

    const scores = new Float64Array(this.entries.length);
    for (const g of groups) {
      const w = g.t.weight * Math.min(g.t.count, 2);
      this.bm25(g.term, w, scores);
      for (const alt of new Set(g.alternatives)) this.bm25(alt, w * SYNONYM_WEIGHT, scores);
    }
    const asked = aspectsOf(text);
    const asksWhatItAnswers = (d: number) => [...asked].some((a) => this.aspects[d]!.has(a));
    if (asked.size > 0) for (let d = 0; d < scores.length; d++) if (scores[d]! > 0 && asksWhatItAnswers(d)) scores[d]! *= 1 + ASPECT_BONUS;
    const ranked = this.best(scores, RERANK_CANDIDATES);
    if (ranked.length === 0) return undefined;
    let top = ranked[0]!;
    let topCoverage = this.evidence(groups, top, scores, false).coverage;
    for (const d of ranked.slice(1)) {
      if (scores[d]! < RERANK_WITHIN * scores[ranked[0]!]!) break;
      const coverage = this.evidence(groups, d, scores, false).coverage;
      if (coverage > topCoverage + RERANK_LEAD) [top, topCoverage] = [d, coverage];
    }

    // A question word (谁, 多少) the entry's questions lack is half explained when the entry answers what it asks, however
    // worded: "找谁办" and an entry asked "怎么申请". Half: "逾期了咋整" shares the form with much that is not policy.
    const answersAsked = asked.size > 0 && [...asked].every((a) => a === 'definition' || this.aspects[top]!.has(a));
    const evidence: Evidence = {
      ...this.evidence(groups, top, scores, answersAsked),
      titled: this.titled(groups, top),
      // "是什么" can be asked of any entry: it counts for one that is asked it, never against one that is not.
      aspect: asksWhatItAnswers(top) ? 1 : [...asked].some((a) => a !== 'definition') ? -1 : 0,
    };
    const outside = outsideSubject(normalizeQuestion(text), this.texts[top]!, this.outside);
    if (outside) evidence.outside = outside;
    return { entry: this.entries[top]!, score: Math.round(confidence(evidence) * 1000) / 1000, evidence };
  }

  /** The `n` entries with the highest positive scores, best first. */
  private best(scores: Float64Array, n: number): number[] {
    const out: number[] = [];
    for (let d = 0; d < scores.length; d++) {
      if (!(scores[d]! > 0)) continue;
      if (out.length === n && scores[d]! <= scores[out[n - 1]!]!) continue;
      let i = out.length === n ? n - 1 : out.length;
      while (i > 0 && scores[out[i - 1]!]! < scores[d]!) {
        out[i] = out[i - 1]!;
        i--;
      }
      out[i] = d;
    }
    return out;
  }

  /** The IDF-weighted share of the entry's title words among the question's words and their synonyms. */
  private titled(groups: Group[], top: number): number {
    const asked = new Set(groups.flatMap((g) => [g.term, ...g.alternatives]));
    let all = 0;
    let had = 0;
    for (const word of this.titles[top]!) {
      const idf = this.idf(this.postings.get(word)?.length ?? 0);
      all += idf;
      if (asked.has(word)) had += idf;
    }
    return all > 0 ? had / all : 0;
  }

  /** How well the best entry explains the question; see `Evidence`. */
  private evidence(groups: Group[], top: number, scores: Float64Array, answersAsked: boolean): Omit<Evidence, 'titled' | 'aspect'> {
    const inTop = (term: string) => this.postings.get(term)?.some((p) => p.doc === top) ?? false;
    // What is asked (谁, 多少, 几年) must be what the entry is asked about: in its questions or title.
    const askedInTop = (term: string) => this.postings.get(term)?.some((p) => p.doc === top && (p.tf[0]! > 0 || p.tf[3]! > 0)) ?? false;
    let total = 0;
    let explained = 0;
    for (const g of groups) {
      if (!g.t.asks) continue;
      const w = ASKS_WEIGHT * this.idf(this.postings.get(g.term)?.length ?? 0);
      total += w;
      if (askedInTop(g.term) || g.alternatives.some(askedInTop)) explained += w;
      else if (answersAsked) explained += w / 2;
    }
    // A compound and the pieces search mode cut from it (新农合: 新农, 农合) are one word of the
    // question: it counts once, at its heaviest, and is explained when any of it is. Words no
    // entry has (主播, 快递, 天气) weigh as much as the rarest word: that keeps chat that merely
    // sounds like a question unanswered.
    const words: { term: string; w: number; explained: boolean; long: boolean }[] = [];
    const topical = groups.filter((g) => g.t.topic).sort((a, b) => b.term.length - a.term.length);
    for (const g of topical) {
      const known = [g.term, ...g.alternatives].map((t) => this.postings.get(t)?.length).filter((df): df is number => df !== undefined);
      // A number no entry has (a year, an age, an amount) says nothing about the subject.
      if (known.length === 0 && /^\d+$/.test(g.term)) continue;
      const w = g.t.weight * (known.length ? this.idf(Math.min(...known)) : this.maxIdf);
      const hit = inTop(g.term) || g.alternatives.some(inTop);
      const whole = words.find((x) => x.term.includes(g.term));
      if (whole) {
        whole.w = Math.max(whole.w, w);
        whole.explained ||= hit;
        whole.long ||= g.t.long && hit;
      } else {
        words.push({ term: g.term, w, explained: hit, long: g.t.long && hit });
      }
    }
    let longWords = 0;
    for (const word of words) {
      total += word.w;
      if (!word.explained) continue;
      explained += word.w;
      if (word.long) longWords++;
    }
    let second = 0;
    for (let d = 0; d < scores.length; d++) if (d !== top) second = Math.max(second, scores[d]!);
    return {
      coverage: total > 0 ? explained / total : 0,
      explained: explained / this.maxIdf,
      margin: (scores[top]! - second) / scores[top]!,
      longWords: Math.min(longWords, MAX_LONG_WORDS),
    };
  }
}

/**
 * The probability that the best entry answers the question: logistic over the evidence. Weights
 * fitted by `scripts/fit-policy-confidence.ts` on the development and held-out question sets
 * (chat that is not about policy included); the unseen sets (`policy-questions.unseen*.jsonl`),
 * written separately and never fitted on, measure how it carries over. An entry that explains no
 * real word of the question (only single characters) gets 0 whatever the rest says, and one whose
 * question names a subject outside the knowledge base at most REVIEW_AT: the official decides.
 */
export function confidence(e: Evidence): number {
  if (e.longWords === 0) return 0;
  const w = CONFIDENCE_WEIGHTS;
  const z =
    w.bias + w.coverage * e.coverage + w.explained * e.explained + w.margin * e.margin + w.longWords * e.longWords + w.titled * e.titled + w.aspect * e.aspect;
  const p = 1 / (1 + Math.exp(-z));
  return e.outside ? Math.min(p, REVIEW_AT) : p;
}
