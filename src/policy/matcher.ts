/**
 * Finds the knowledge-base entry a viewer's question is about, or none. Entries are ranked with
 * BM25 over three fields (questions and title; short answer and tags; full answer), the question
 * widened with the synonym table (新农合 also searches 城乡居民医保). The best entry is then
 * trusted by how much of the question it explains: the IDF-weighted share of the question's own
 * subject words that the entry contains, a word counting as explained when it or one of its
 * synonyms is there. Words no entry has (主播, 快递, 天气) count against it: that keeps chat that
 * merely sounds like a question unanswered.
 */
import type { PolicyEntry } from './entry.ts';
import { synonymsIn, type SynonymTable } from './synonyms.ts';
import { terms, type Term } from './text.ts';

/** Field weights: what an entry is asked as counts most, its full answer least. */
const FIELDS = [
  { weight: 1, of: (e: PolicyEntry) => [e.title, ...e.questions].join('。') },
  { weight: 0.6, of: (e: PolicyEntry) => [e.short, ...e.tags].join('。') },
  { weight: 0.3, of: (e: PolicyEntry) => e.answer },
] as const;

const K1 = 1.2;
const B = 0.75;
/** Synonyms widen the search but weigh less than what the viewer actually wrote. */
const SYNONYM_WEIGHT = 0.7;
/** Question words weigh less than subject words in the confidence. */
const ASKS_WEIGHT = 0.5;

/** At or above: answer. Between: an official should look. Below: not a question for the knowledge base. */
export const ANSWER_AT = 0.4;
export const REVIEW_AT = 0.2;

export interface Match {
  entry: PolicyEntry;
  /** 0–1: how much of the question the entry explains. */
  score: number;
}

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

  constructor(
    private readonly entries: readonly PolicyEntry[],
    private readonly synonyms: SynonymTable,
  ) {
    this.lengths = entries.map(() => FIELDS.map(() => 0));
    entries.forEach((entry, doc) => {
      const perTerm = new Map<string, number[]>();
      FIELDS.forEach((field, f) => {
        for (const [t, { count }] of terms(field.of(entry))) {
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
      scores[doc]! += weight * idf * s;
    }
  }

  /** The best entry for the question, with its score, or undefined when nothing shares a word. */
  match(question: string): Match | undefined {
    if (this.entries.length === 0) return undefined;
    const text = question.slice(0, 500);
    const own = terms(text);
    if (own.size === 0) return undefined;
    // Each of the viewer's words, with the policy terms it may stand for.
    const groups: { term: string; t: Term; alternatives: string[] }[] = [...own].map(([term, t]) => ({ term, t, alternatives: [] }));
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
    let top = -1;
    for (let d = 0; d < scores.length; d++) if (scores[d]! > 0 && (top < 0 || scores[d]! > scores[top]!)) top = d;
    if (top < 0) return undefined;

    let total = 0;
    let explained = 0;
    let explainedLong = false;
    const inTop = (term: string) => this.postings.get(term)?.some((p) => p.doc === top) ?? false;
    // What is asked (谁, 多少, 几年) must be what the entry is asked about: in its questions or title.
    const askedInTop = (term: string) => this.postings.get(term)?.some((p) => p.doc === top && p.tf[0]! > 0) ?? false;
    for (const g of groups) {
      if (g.t.asks) {
        const w = ASKS_WEIGHT * this.idf(this.postings.get(g.term)?.length ?? 0);
        total += w;
        if (askedInTop(g.term) || g.alternatives.some(askedInTop)) explained += w;
        continue;
      }
      if (!g.t.topic) continue;
      const known = [g.term, ...g.alternatives].map((t) => this.postings.get(t)?.length).filter((df): df is number => df !== undefined);
      const idf = known.length ? this.idf(Math.min(...known)) : this.maxIdf;
      const w = g.t.weight * idf;
      total += w;
      if (inTop(g.term) || g.alternatives.some(inTop)) {
        explained += w;
        if (g.t.long) explainedLong = true;
      }
    }
    // An entry must explain at least one real word of the question, not only single characters.
    const score = total > 0 && explainedLong ? explained / total : 0;
    return { entry: this.entries[top]!, score: Math.round(score * 1000) / 1000 };
  }
}
