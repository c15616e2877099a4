import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { REFUSALS } from '../../chat/message.ts';
import { normalizeCode } from '../../products/product.ts';
import { toOrderView } from '../../orders/service.ts';
import type { Confirmation } from '../../store/store.ts';
import { DateTime, IdParams, Nullable, PageQuery, StringEnum } from '../schemas.ts';
import { OrderView } from './orders.ts';

const STATUSES = ['pending', 'accepted', 'rejected'] as const;

const ConfirmationView = Type.Object({
  id: Type.Integer(),
  roomId: Type.Integer(),
  messageId: Type.String(),
  buyer: Type.Object({ platform: Type.String(), userId: Type.String(), name: Type.String() }),
  text: Type.String(),
  suggestion: Type.Object({ code: Nullable(Type.String()), qty: Type.Integer() }),
  reason: Type.String(),
  sentAt: DateTime,
  status: StringEnum(STATUSES),
  orderId: Nullable(Type.Integer()),
  createdAt: DateTime,
  decidedAt: Nullable(DateTime),
});

const view = (c: Confirmation) => ({ ...c, suggestion: { code: c.suggestedCode, qty: c.suggestedQty } });

/**
 * The confirmation queue: messages that look like orders but break the grammar wait here for the
 * streamer, who accepts (optionally correcting code or quantity) or rejects them.
 */
const confirmations: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/confirmations',
    {
      schema: {
        querystring: Type.Object({ ...PageQuery.properties, roomId: Type.Optional(Type.Integer({ minimum: 1 })), status: Type.Optional(StringEnum(STATUSES)) }),
        response: { 200: Type.Array(ConfirmationView) },
      },
    },
    async (req) => (await app.store.confirmations.list(req.query)).map(view),
  );

  app.post(
    '/api/confirmations/:id/accept',
    {
      schema: {
        params: IdParams,
        body: Type.Object(
          { code: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 20 }))), qty: Type.Optional(Type.Integer({ minimum: 1, maximum: 99 })) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ orders: Type.Array(OrderView), refusal: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })) }) },
      },
    },
    async (req) => {
      const { code, qty } = req.body;
      const result = await app.orders.acceptConfirmation(req.params.id, {
        ...(code !== undefined && { code: code === null ? null : normalizeCode(code) }),
        ...(qty !== undefined && { qty }),
      });
      return {
        orders: result.orders.map(toOrderView),
        ...(result.refusal && { refusal: { code: result.refusal, message: REFUSALS[result.refusal] } }),
      };
    },
  );

  app.post('/api/confirmations/:id/reject', { schema: { params: IdParams } }, async (req, reply) => {
    await app.orders.rejectConfirmation(req.params.id);
    return reply.code(204).send();
  });
};

export default confirmations;
