import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { chatSafeName } from '../../orders/ack.ts';
import { AppError } from '../../errors.ts';
import { addressedLine, MAX_NAMES } from '../../policy/cooldown.ts';
import type { PolicyEntry } from '../../policy/entry.ts';
import { QUESTION_STATUSES, withSource, type Question } from '../../policy/question.ts';
import { periodOf, PeriodQuery } from '../period.ts';
import { IdParams, PageQuery, StringEnum } from '../schemas.ts';

/** What the Q&A card shows of an answer in the official's own words. */
const CARD_CHARS = 80;
const Filter = Type.Object({
  ...PeriodQuery.properties,
  roomId: Type.Optional(Type.Integer({ minimum: 1 })),
  liveSessionId: Type.Optional(Type.Integer({ minimum: 1 })),
  status: Type.Optional(StringEnum(QUESTION_STATUSES)),
});

/**
 * Viewers' questions: the moderation queue where the official answers (in free text, optionally
 * kept as a draft entry, or with an entry, optionally learning the question) or dismisses unsure
 * matches, and what people asked most.
 */
const questions: FastifyPluginAsyncTypebox = async (app) => {
  const { store, policy } = app;

  app.get('/api/questions', { schema: { querystring: Type.Object({ ...PageQuery.properties, ...Filter.properties }) } }, async (req) => {
    const { limit, offset, roomId, liveSessionId, status } = req.query;
    return store.questions.list({ limit, offset, roomId, liveSessionId, status, ...periodOf(req.query) });
  });

  app.get('/api/questions/topics', { schema: { querystring: Filter } }, async (req) => {
    const { roomId, liveSessionId, status } = req.query;
    return store.questions.topics({ roomId, liveSessionId, status, ...periodOf(req.query) });
  });

  /** One chat line for the asker and everyone who asked the same (eight named, then a count). */
  const toChat = (q: Question, copies: Question[], text: string, entry?: PolicyEntry) => {
    const askers = [...new Map([q, ...copies].map((c) => [`${c.asker.platform}:${c.asker.userId}`, c.asker.name])).values()];
    app.realtime.say(q.roomId, addressedLine(askers.slice(0, MAX_NAMES), askers.length, text, chatSafeName));
    // The card has room for 80 characters; a longer answer says it goes on, rather than ending mid-word.
    const chars = [...text];
    const short = chars.length > CARD_CHARS ? `${chars.slice(0, CARD_CHARS - 1).join('')}…` : text;
    const card = entry ? { short: entry.short, source: entry.source } : { short, source: '官方答复' };
    app.realtime.showQa(q.roomId, { question: q.text, ...card, at: new Date().toISOString() });
  };

  // In the official's own words (optionally kept as a draft entry), or with an entry's approved
  // answer (optionally learning the viewer's words as one more way to ask it). One body, checked
  // by hand for which of the two it is, so that a mistake gets a message about the right one.
  app.post(
    '/api/questions/:id/answer',
    {
      schema: {
        params: IdParams,
        body: Type.Object(
          {
            answer: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, pattern: '\\S' })),
            saveDraft: Type.Optional(Type.Boolean()),
            entryId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
            learn: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => {
      const { answer, saveDraft, entryId, learn } = req.body;
      if ((answer === undefined) === (entryId === undefined)) throw new AppError('VALIDATION_FAILED', 'give either answer (your own words) or entryId (an entry’s answer)');
      if (entryId !== undefined) {
        if (saveDraft !== undefined) throw new AppError('VALIDATION_FAILED', 'saveDraft goes with answer; with entryId, use learn');
        const { question, copies, entry } = await policy.answerQueuedWithEntry(req.params.id, entryId);
        toChat(question, copies, withSource(entry.short, entry.source), entry);
        // After the answer is out: learning is the official's bonus, not part of answering, and
        // its failure must not read as a failed answer (a retry would find the question decided).
        const learned = learn
          ? await policy.learnQuestion(entryId, question.text).catch((err: unknown) => {
              req.log.error({ err, entryId }, 'question answered but not learned');
              return false;
            })
          : false;
        return { question, copies: copies.length, entry: learned ? await policy.entry(entryId) : entry, learned };
      }
      if (learn !== undefined) throw new AppError('VALIDATION_FAILED', 'learn goes with entryId; with answer, use saveDraft');
      const { question, copies, draft } = await policy.answerQueued(req.params.id, answer!, saveDraft ?? false);
      toChat(question, copies, answer!);
      return { question, copies: copies.length, ...(draft && { draft }) };
    },
  );

  app.post('/api/questions/:id/dismiss', { schema: { params: IdParams } }, async (req) => policy.dismiss(req.params.id));
};

export default questions;
