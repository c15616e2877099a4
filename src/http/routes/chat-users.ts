import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '../../errors.ts';
import { DateTime, IdParams, Nullable, PageQuery } from '../schemas.ts';

const ChatUserView = Type.Object({
  id: Type.Integer(),
  platform: Type.String(),
  platformUserId: Type.String(),
  displayName: Type.String(),
  contactName: Nullable(Type.String()),
  contactPhone: Nullable(Type.String()),
  contactAddress: Nullable(Type.String()),
  createdAt: DateTime,
  updatedAt: DateTime,
});

const Contact = Type.Object(
  {
    contactName: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    contactPhone: Type.Optional(Nullable(Type.String({ pattern: '^[0-9+()\\- ]{3,20}$' }))),
    contactAddress: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
  },
  { additionalProperties: false, minProperties: 1 },
);

/**
 * Viewers as the platforms know them. A buyer's contact details are added here by the
 * cooperative (after a call or a private message), never taken from public chat.
 */
const chatUsers: FastifyPluginAsyncTypebox = async (app) => {
  const { store } = app;

  app.get(
    '/api/chat-users',
    {
      schema: {
        querystring: Type.Object({ ...PageQuery.properties, platform: Type.Optional(Type.String({ maxLength: 40 })), platformUserId: Type.Optional(Type.String({ maxLength: 200 })) }),
        response: { 200: Type.Array(ChatUserView) },
      },
    },
    async (req) => store.chatUsers.list(req.query),
  );

  app.get('/api/chat-users/:id', { schema: { params: IdParams, response: { 200: ChatUserView } } }, async (req) => {
    const user = await store.chatUsers.get(req.params.id);
    if (!user) throw new AppError('CHAT_USER_NOT_FOUND', String(req.params.id));
    return user;
  });

  app.patch('/api/chat-users/:id', { schema: { params: IdParams, body: Contact, response: { 200: ChatUserView } } }, async (req) =>
    store.chatUsers.updateContact(req.params.id, req.body),
  );
};

export default chatUsers;
