import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { chatSafeName } from '../../orders/ack.ts';
import { QUESTION_STATUSES, type Question } from '../../policy/question.ts';
import { periodOf, PeriodQuery } from '../period.ts';
import { IdParams, PageQuery, StringEnum } from '../schemas.ts';

const Filter = Type.Object({
  ...PeriodQuery.properties,
  roomId: Type.Optional(Type.Integer({ minimum: 1 })),
  liveSessionId: Type.Optional(Type.Integer({ minimum: 1 })),
  status: Type.Optional(StringEnum(QUESTION_STATUSES)),
});

/**
 * Viewers' questions: the moderation queue where the official answers (in free text, optionally
 * kept as a draft entry) or dismisses unsure matches, and what people asked most.
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

  const toChat = (q: Question, text: string) => {
    app.realtime.say(q.roomId, `@${chatSafeName(q.asker.name)} ${text}`);
    app.realtime.showQa(q.roomId, { question: q.text, short: [...text].slice(0, 80).join(''), source: '官方答复', at: new Date().toISOString() });
  };

  app.post(
    '/api/questions/:id/answer',
    {
      schema: {
        params: IdParams,
        body: Type.Object({ answer: Type.String({ minLength: 1, maxLength: 2000, pattern: '\\S' }), saveDraft: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
      },
    },
    async (req) => {
      const result = await policy.answerQueued(req.params.id, req.body.answer, req.body.saveDraft ?? false);
      toChat(result.question, req.body.answer);
      return result;
    },
  );

  app.post('/api/questions/:id/dismiss', { schema: { params: IdParams } }, async (req) => policy.dismiss(req.params.id));
};

export default questions;
