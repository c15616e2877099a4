import { AppError } from '../errors.ts';

/**
 * A question a viewer asked in a Q&A room, with what the matcher made of it: `answered` from the
 * knowledge base, `queued` for the official (an unsure match), `answered_by_official` or
 * `dismissed` from the queue, `unmatched` when it was not about the knowledge base at all.
 */
export const QUESTION_STATUSES = ['answered', 'queued', 'answered_by_official', 'dismissed', 'unmatched'] as const;
export type QuestionStatus = (typeof QUESTION_STATUSES)[number];

export interface Question {
  id: number;
  roomId: number;
  liveSessionId: number | null;
  chatUserId: number;
  asker: { platform: string; userId: string; name: string };
  messageId: string | null;
  text: string;
  /** The matcher's pick, whose confidence `score` is. */
  entryId: string | null;
  score: number;
  /** The entry the official answered with from the queue (`POST /api/questions/:id/answer { entryId }`). */
  answeredEntryId: string | null;
  status: QuestionStatus;
  answer: string | null;
  createdAt: Date;
  answeredAt: Date | null;
}

/** What `GET /api/policy/ask` answers, and what a Q&A room's message reply carries as `answer`. */
export type AskReply =
  | { answered: true; entryId: string; short: string; answer: string; source: string; score: number }
  | { answered: false; score: number };

/** An answer as it goes to chat: the short answer, then where it comes from. */
export function withSource(short: string, source: string): string {
  return `${short}（来源：${source}）`;
}

/** Chat that reads as a question: a question mark, or a question word. */
const QUESTION_MARK = /[?？]|吗|呢|怎么|咋|什么|啥|多少|几|哪|谁|如何|是否|能不能|可不可以|有没有|要不要|是不是|会不会|行不行|为什么|为啥/;

export function looksLikeQuestion(text: string): boolean {
  return QUESTION_MARK.test(text.normalize('NFKC'));
}

/** Why a question could not be decided: there is none, it never was in the queue, or it has left it. */
export function notDecidable(question: Question | undefined, id: number): AppError {
  return new AppError(!question ? 'QUESTION_NOT_FOUND' : question.status === 'unmatched' ? 'QUESTION_NOT_QUEUED' : 'QUESTION_DECIDED', String(id));
}
