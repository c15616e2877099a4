import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '../../errors.ts';
import { ORDER_ORIGINS, ORDER_STATUSES } from '../../orders/order.ts';
import { parseOrder } from '../../orders/parser.ts';
import { toOrderView } from '../../orders/service.ts';
import { IdParams, Nullable, PageQuery, StringEnum } from '../schemas.ts';
import { periodOf, PeriodQuery } from '../period.ts';

export const OrderView = Type.Object({
  id: Type.Integer(),
  roomId: Type.Integer(),
  liveSessionId: Nullable(Type.Integer()),
  messageId: Nullable(Type.String()),
  chatUserId: Type.Integer(),
  buyer: Type.Object({ platform: Type.String(), userId: Type.String(), name: Type.String() }),
  status: StringEnum(ORDER_STATUSES),
  origin: StringEnum(ORDER_ORIGINS),
  lines: Type.Array(
    Type.Object({
      productId: Type.Integer(),
      code: Type.String(),
      name: Type.String(),
      qty: Type.Integer(),
      priceFen: Type.Integer(),
      grossFen: Type.Integer(),
    }),
  ),
  holdExpiresAt: Nullable(Type.String()),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

const Intent = Type.Object({ code: Type.String(), qty: Type.Integer() });

const OrderQuery = Type.Object({
  ...PageQuery.properties,
  ...PeriodQuery.properties,
  roomId: Type.Optional(Type.Integer({ minimum: 1 })),
  householdId: Type.Optional(Type.Integer({ minimum: 1 })),
  status: Type.Optional(StringEnum(ORDER_STATUSES)),
});

/** Orders: the parser's dry run, the list, and status changes along the life cycle. */
const orders: FastifyPluginAsyncTypebox = async (app) => {
  const { store, catalog } = app;

  app.post(
    '/api/orders/parse',
    {
      schema: {
        body: Type.Object({ roomId: Type.Integer({ minimum: 1 }), text: Type.String({ maxLength: 10_000 }) }, { additionalProperties: false }),
        response: {
          200: Type.Object({ order: Nullable(Intent), reason: Type.Optional(Type.String()), suggestion: Type.Optional(Type.Object({ code: Nullable(Type.String()), qty: Type.Integer() })) }),
        },
      },
    },
    async (req) => {
      const room = await store.rooms.get(req.body.roomId);
      if (!room) throw new AppError('ROOM_NOT_FOUND', String(req.body.roomId));
      const parsed = parseOrder(req.body.text, await catalog.codes());
      if (parsed.kind === 'none') return { order: null, reason: parsed.reason };
      if (parsed.kind === 'ambiguous') return { order: null, reason: 'ambiguous', suggestion: parsed.suggestion };
      if (parsed.code !== null) return { order: { code: parsed.code, qty: parsed.qty } };
      // The dry run has no message time: it resolves the featured product as of now.
      const featured = await store.features.current(room.id);
      const product = featured?.productId ? await store.products.get(featured.productId) : undefined;
      return product ? { order: { code: product.code, qty: parsed.qty } } : { order: null, reason: 'no_featured_product' };
    },
  );

  app.get('/api/orders', { schema: { querystring: OrderQuery, response: { 200: Type.Array(OrderView) } } }, async (req) => {
    const { from, to } = periodOf(req.query);
    return (await store.orders.list({ ...req.query, from, to })).map(toOrderView);
  });

  app.get('/api/orders/:id', { schema: { params: IdParams, response: { 200: OrderView } } }, async (req) => {
    const order = await store.orders.get(req.params.id);
    if (!order) throw new AppError('ORDER_NOT_FOUND', String(req.params.id));
    return toOrderView(order);
  });

  app.patch(
    '/api/orders/:id',
    {
      schema: {
        params: IdParams,
        body: Type.Object({ status: StringEnum(ORDER_STATUSES) }, { additionalProperties: false }),
        response: { 200: OrderView },
      },
    },
    async (req) => toOrderView(await app.orders.changeStatus(req.params.id, req.body.status)),
  );
};

export default orders;
