/**
 * Policy Q&A: answers from the approved knowledge base, never from drafts; an unsure match waits
 * for the official. The matcher's index is rebuilt when the knowledge base, the synonym table or
 * the list of subjects outside it changes (on any instance: the store's version says so).
 */
import type { FastifyBaseLogger } from 'fastify';
import { AppError } from '../errors.ts';
import type { Store } from '../store/store.ts';
import { shanghaiDay } from '../time.ts';
import { asEntryQuestion, inForce, QUESTIONS_MAX, SHORT_MAX, type PolicyEntry } from './entry.ts';
import { ANSWER_AT, PolicyMatcher, REVIEW_AT } from './matcher.ts';
import { DEFAULT_OUTSIDE } from './outside.ts';
import { looksLikeQuestion, type AskReply, type Question, type QuestionStatus } from './question.ts';
import { DEFAULT_SYNONYMS, type SynonymTable } from './synonyms.ts';
import { isQuestionOrFiller, normalizeQuestion } from './text.ts';

const SYNONYMS = 'policy_synonyms';
const OUTSIDE = 'policy_outside';
/** How often another instance's knowledge-base changes are looked for. */
const RECHECK_MS = 2000;
/**
 * Chat that does not read as a question is answered in the room only when the match is surer than
 * this: a greeting that shares one word with an entry (点赞, 便宜) must not get a policy answer in
 * front of everyone. Between the two it waits for the official. Measured over the nine question
 * sets with today's confidence (title coverage now keeps such greetings under ANSWER_AT by
 * itself): 1 wrong answer avoided, 14 right ones left to the official, no off-topic line either
 * way. Kept: a greeting answered with policy in front of everyone costs more than a wait.
 */
const STATEMENT_ANSWER_AT = 0.6;
/** Longer questions are not typed in chat; matching them is wasted work. */
const MAX_QUESTION = 500;
/** Queued copies of one question decided together, at most (a room's queue is rarely longer). */
const COPIES_MAX = 1000;

/** What the matcher made of a chat message in a Q&A room, to be stored with it. */
export interface Verdict {
  entryId: string | null;
  score: number;
  status: Extract<QuestionStatus, 'answered' | 'queued' | 'unmatched'>;
  answer: AskReply;
}

/** `PolicyService.judge` with a given matcher (the benchmark's simulation of a room uses it too). */
export function verdict(matcher: PolicyMatcher, text: string): Verdict | undefined {
  const match = text.trim() ? matcher.match(text.slice(0, MAX_QUESTION)) : undefined;
  const score = match?.score ?? 0;
  const asked = looksLikeQuestion(text);
  if (!asked && score < ANSWER_AT) return undefined;
  if (match && score >= (asked ? ANSWER_AT : STATEMENT_ANSWER_AT)) {
    const e = match.entry;
    return { entryId: e.id, score, status: 'answered', answer: { answered: true, entryId: e.id, short: e.short, answer: e.answer, source: e.source, score } };
  }
  if (match && score >= REVIEW_AT) return { entryId: match.entry.id, score, status: 'queued', answer: { answered: false, score } };
  return { entryId: null, score, status: 'unmatched', answer: { answered: false, score } };
}

export class PolicyService {
  private matcher: PolicyMatcher | undefined;
  private builtFrom = '';
  private checkedAt = 0;
  private building: Promise<PolicyMatcher> | undefined;

  constructor(
    private readonly store: Store,
    private readonly log?: Pick<FastifyBaseLogger, 'warn'>,
  ) {}

  /** The official's own synonyms on top of the built-in table. */
  async synonyms(): Promise<{ builtIn: SynonymTable; custom: SynonymTable }> {
    const text = await this.store.settings.get(SYNONYMS);
    return { builtIn: DEFAULT_SYNONYMS, custom: text ? (JSON.parse(text) as SynonymTable) : {} };
  }

  async setSynonyms(custom: SynonymTable): Promise<void> {
    await this.store.settings.set(SYNONYMS, JSON.stringify(custom));
    this.checkedAt = 0;
    this.builtFrom = '';
  }

  /** The official's own subjects outside the knowledge base, on top of the built-in list (`outside.ts`). */
  async outside(): Promise<{ builtIn: readonly string[]; custom: string[] }> {
    const text = await this.store.settings.get(OUTSIDE);
    return { builtIn: DEFAULT_OUTSIDE, custom: text ? (JSON.parse(text) as string[]) : [] };
  }

  /**
   * Words as the matcher reads them (NFKC, lower case, no zero-width characters); each must still
   * be two characters or more and name a subject: "修" or "怎么" would keep most questions from an answer.
   */
  async setOutside(custom: string[]): Promise<void> {
    const words = custom.map((w) => normalizeQuestion(w).trim());
    words.forEach((word, i) => {
      if ([...word].length < 2 || isQuestionOrFiller(word)) {
        throw new AppError('POLICY_OUTSIDE_WORD', `#${i + 1} “${custom[i]}”`);
      }
    });
    await this.store.settings.set(OUTSIDE, JSON.stringify([...new Set(words)]));
    this.checkedAt = 0;
    this.builtFrom = '';
  }

  async import(entries: readonly PolicyEntry[]): Promise<number> {
    const n = await this.store.policy.upsert(entries);
    this.checkedAt = 0;
    return n;
  }

  /** The matcher over the entries in force today, rebuilt when anything changed. */
  async current(): Promise<PolicyMatcher> {
    const now = Date.now();
    if (this.matcher && now - this.checkedAt < RECHECK_MS) return this.matcher;
    this.building ??= (async () => {
      const [version, synonyms, outside] = await Promise.all([this.store.policy.version(), this.store.settings.get(SYNONYMS), this.store.settings.get(OUTSIDE)]);
      const key = `${version}|${synonyms ?? ''}|${outside ?? ''}|${shanghaiDay(new Date())}`;
      if (!this.matcher || key !== this.builtFrom) {
        const today = shanghaiDay(new Date());
        const [all, learned] = await Promise.all([this.store.policy.entries(), this.store.policy.learned()]);
        const entries = all.filter((e) => inForce(e, today));
        const custom = synonyms ? (JSON.parse(synonyms) as SynonymTable) : {};
        const extraOutside = outside ? (JSON.parse(outside) as string[]) : [];
        this.matcher = new PolicyMatcher(entries, { ...DEFAULT_SYNONYMS, ...custom }, learned, [...DEFAULT_OUTSIDE, ...extraOutside]);
        this.builtFrom = key;
      }
      this.checkedAt = Date.now();
      return this.matcher;
    })().finally(() => (this.building = undefined));
    return this.building;
  }

  /** `GET /api/policy/ask`: the approved answer, or none. Any text is a fair question. */
  async ask(question: string): Promise<AskReply> {
    const matcher = await this.current();
    const match = question.trim() ? matcher.match(question.slice(0, MAX_QUESTION)) : undefined;
    if (!match || match.score < ANSWER_AT) return { answered: false, score: match?.score ?? 0 };
    const e = match.entry;
    return { answered: true, entryId: e.id, short: e.short, answer: e.answer, source: e.source, score: match.score };
  }

  /**
   * A chat message in a Q&A room: a question to answer, to queue for the official, or to note as
   * off-topic; undefined when it is not a question at all.
   */
  async judge(text: string): Promise<Verdict | undefined> {
    return verdict(await this.current(), text);
  }

  /**
   * The official answers a queued question in their own words, optionally kept as a draft entry to
   * review. `copies`: the other viewers who asked the very same thing and waited in the queue,
   * answered with it (see `decideCopies`).
   */
  async answerQueued(id: number, answer: string, saveDraft: boolean): Promise<{ question: Question; copies: Question[]; draft?: PolicyEntry }> {
    const decision = { status: 'answered_by_official', answer, answeredAt: new Date() } as const;
    const question = await this.store.questions.decide(id, decision);
    const copies = await this.decideCopies(question, decision);
    if (!saveDraft) return { question, copies };
    const asked = asEntryQuestion(question.text) ?? '（无法保存的问题文字）';
    const draft: PolicyEntry = {
      id: await this.freeId(`official-${question.id}`),
      title: asked,
      questions: [asked],
      short: [...answer].slice(0, SHORT_MAX).join(''),
      answer,
      source: `官方直播答复 ${shanghaiDay(question.createdAt)}`,
      tags: [],
      region: null,
      effectiveFrom: null,
      effectiveTo: null,
      status: 'draft',
    };
    await this.import([draft]);
    return { question, copies, draft };
  }

  /**
   * The official answers a queued question with an entry (the matcher's unsure pick, or another):
   * its short answer goes to chat. The matcher's pick stays on the question's record beside it.
   */
  async answerQueuedWithEntry(id: number, entryId: string): Promise<{ question: Question; copies: Question[]; entry: PolicyEntry }> {
    const entry = await this.entry(entryId);
    if (!inForce(entry, shanghaiDay(new Date()))) throw new AppError('POLICY_ENTRY_NOT_IN_FORCE', entryId);
    const decision = { status: 'answered_by_official', answer: entry.short, answeredAt: new Date(), answeredEntryId: entryId } as const;
    const question = await this.store.questions.decide(id, decision);
    return { question, copies: await this.decideCopies(question, decision), entry };
  }

  /**
   * The other queued copies of a question just decided (the same words in the same room, up to
   * punctuation, spaces and width), decided the same way: fifty viewers pasting one question
   * made fifty rows for the official to answer one by one. Copies another official decided in the
   * meantime are left out.
   */
  private async decideCopies(question: Question, decision: Parameters<Store['questions']['decide']>[1]): Promise<Question[]> {
    const same = (text: string) => normalizeQuestion(text).replace(/[\s\p{P}\p{S}]/gu, '');
    const words = same(question.text);
    if (!words) return [];
    // This live session only: a viewer of last week's stream is not to be named in today's chat,
    // and "这个多少钱" then was about another product.
    const filter = { roomId: question.roomId, status: 'queued' as const, ...(question.liveSessionId !== null && { liveSessionId: question.liveSessionId }) };
    const queued = await this.store.questions.list({ ...filter, limit: COPIES_MAX, offset: 0 });
    const copies: Question[] = [];
    // In the order they were asked, so the answer names the askers in that order.
    for (const q of queued.sort((a, b) => a.id - b.id)) {
      if (q.id === question.id || same(q.text) !== words) continue;
      try {
        copies.push(await this.store.questions.decide(q.id, decision));
      } catch (err) {
        // The question itself is decided and its answer due in chat: a copy that could not be
        // decided stays queued for the official, it does not turn the answer into an error.
        if (!(err instanceof AppError && err.code === 'QUESTION_DECIDED')) this.log?.warn({ err, questionId: q.id }, 'a queued copy of an answered question stays queued');
      }
    }
    return copies;
  }

  /**
   * Adds a viewer's words to an entry's questions, so the same question is answered at once from
   * then on: the knowledge base learns the county's own way of asking, one question the official
   * confirmed at a time. Whether they were added (not when the entry has them already, or is full).
   */
  async learnQuestion(entryId: string, text: string): Promise<boolean> {
    const question = asEntryQuestion(text);
    if (!question) return false;
    const added = await this.store.policy.addQuestion(entryId, question, QUESTIONS_MAX);
    if (added) this.checkedAt = 0;
    return added;
  }

  /** Dismisses a queued question and its queued copies (see `decideCopies`). */
  async dismiss(id: number): Promise<Question & { copies: number }> {
    const decision = { status: 'dismissed', answer: null, answeredAt: new Date() } as const;
    const question = await this.store.questions.decide(id, decision);
    return { ...question, copies: (await this.decideCopies(question, decision)).length };
  }

  /**
   * `id`, or `id-2`, `id-3` … when an entry has it: a knowledge base imported from another server
   * can hold `official-16` already, and a draft must never overwrite an approved answer.
   */
  private async freeId(id: string): Promise<string> {
    for (let n = 1; ; n++) {
      const candidate = n === 1 ? id : `${id}-${n}`;
      if (!(await this.store.policy.get(candidate))) return candidate;
    }
  }

  async entry(id: string): Promise<PolicyEntry> {
    const entry = await this.store.policy.get(id);
    if (!entry) throw new AppError('POLICY_ENTRY_NOT_FOUND', id);
    return entry;
  }
}
