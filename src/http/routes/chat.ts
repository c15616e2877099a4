import crypto from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { isPlausibleSentAt, type ChatMessage } from '../../chat/message.ts';
import { AppError } from '../../errors.ts';
import { parseInstant } from '../../time.ts';
import { IdParams, Nullable } from '../schemas.ts';
import { OrderView } from './orders.ts';

// A number past 2^53 has already been rounded by JSON.parse (…891 and …890 both arrive as …000):
// taken as an id, two messages or two buyers would become one. Platforms that use such ids send strings.
const PlatformId = Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })]);

const MessageBody = Type.Object(
  {
    id: Type.Optional(PlatformId),
    user: Type.Object({ id: PlatformId, name: Type.String({ maxLength: 200 }) }, { additionalProperties: false }),
    text: Type.String({ maxLength: 2000 }),
    ts: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }), Type.String({ maxLength: 40 })])),
  },
  { additionalProperties: false },
);

const Outcome = Type.Object({
  accepted: Type.Literal(true),
  order: Type.Optional(OrderView),
  orders: Type.Optional(Type.Array(OrderView)),
  confirmation: Type.Optional(Type.Object({ id: Type.Integer(), suggestion: Type.Object({ code: Nullable(Type.String()), qty: Type.Integer() }) })),
  refusal: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
  reply: Type.Optional(Type.String()),
  answer: Type.Optional(
    Type.Object({
      answered: Type.Boolean(),
      entryId: Type.Optional(Type.String()),
      short: Type.Optional(Type.String()),
      answer: Type.Optional(Type.String()),
      source: Type.Optional(Type.String()),
      score: Type.Number(),
    }),
  ),
});

/** A message's own time: epoch ms or ISO 8601, refused when it cannot be believed (`isPlausibleSentAt`). */
function sentAt(ts: number | string | undefined, now: Date): Date {
  if (ts === undefined) return now;
  const date = typeof ts === 'number' ? new Date(ts) : parseInstant(ts);
  if (!date || !isPlausibleSentAt(date, now)) {
    throw new AppError('MESSAGE_TIMESTAMP_INVALID', String(ts));
  }
  return date;
}

/**
 * The `push` adapter: a chat message as if from the platform. Every other adapter feeds the same
 * pipeline; the reply comes once everything the message caused is durably stored.
 */
const chat: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/api/rooms/:id/messages', { schema: { params: IdParams, body: MessageBody, response: { 200: Outcome } } }, async (req) => {
    const room = await app.store.rooms.get(req.params.id);
    if (!room) throw new AppError('ROOM_NOT_FOUND', String(req.params.id));
    const receivedAt = new Date();
    const { id, user, text, ts } = req.body;
    const userId = String(user.id);
    const at = sentAt(ts, receivedAt);
    // Without a platform id, the same user, time and text is the same message; without a time it cannot be told apart.
    const messageId =
      id !== undefined
        ? String(id)
        : ts !== undefined
          ? `h:${crypto.createHash('sha256').update(`${userId}\0${at.getTime()}\0${text}`).digest('hex').slice(0, 32)}`
          : `r:${crypto.randomUUID()}`;
    const message: ChatMessage = { roomId: room.id, platform: room.platform, messageId, user: { id: userId, name: user.name }, text, sentAt: at, receivedAt };
    return (await app.pipeline.handle(room, message)).outcome;
  });
};

export default chat;
