import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import { AppError } from '../../errors.ts';
import { readShopOrders, type ShopMapping } from '../../imports/shop-orders.ts';
import { IdParams } from '../schemas.ts';

const Header = Type.String({ minLength: 1, maxLength: 100 });

const Mapping = Type.Object(
  {
    columns: Type.Object(
      {
        orderId: Header,
        productId: Header,
        qty: Header,
        buyerId: Type.Optional(Header),
        buyerName: Type.Optional(Header),
        time: Type.Optional(Header),
        status: Type.Optional(Header),
      },
      { additionalProperties: false },
    ),
    products: Type.Record(Type.String({ minLength: 1, maxLength: 100 }), Type.String({ minLength: 1, maxLength: 20 })),
    statuses: Type.Optional(Type.Record(Type.String({ maxLength: 100 }), Type.Unsafe<'confirmed' | 'shipped' | 'completed' | 'skip'>({ type: 'string', enum: ['confirmed', 'shipped', 'completed', 'skip'] }))),
  },
  { additionalProperties: false },
);

const mappingKey = (roomId: number) => `shop_mapping:${roomId}`;

/**
 * Imports of orders placed in a platform's own shop. The column mapping is saved per room, so a
 * cooperative sets it up once and then uploads each day's export as it is.
 */
const imports: FastifyPluginAsyncTypebox = async (app) => {
  const { store } = app;
  const room = async (id: number) => {
    const found = await store.rooms.get(id);
    if (!found) throw new AppError('ROOM_NOT_FOUND', String(id));
    return found;
  };

  app.get('/api/rooms/:id/shop-mapping', { schema: { params: IdParams } }, async (req) => {
    await room(req.params.id);
    const saved = await store.settings.get(mappingKey(req.params.id));
    return { mapping: saved ? (JSON.parse(saved) as Static<typeof Mapping>) : null };
  });

  app.put('/api/rooms/:id/shop-mapping', { schema: { params: IdParams, body: Type.Object({ mapping: Mapping }, { additionalProperties: false }) } }, async (req) => {
    await room(req.params.id);
    await store.settings.set(mappingKey(req.params.id), JSON.stringify(req.body.mapping));
    return { mapping: req.body.mapping };
  });

  app.post(
    '/api/imports/shop-orders',
    {
      // A day of shop orders is more than the default 1 MiB of JSON.
      bodyLimit: 32 * 1024 * 1024,
      schema: {
        body: Type.Object(
          { roomId: Type.Integer({ minimum: 1 }), csv: Type.String({ minLength: 1 }), mapping: Type.Optional(Mapping) },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => {
      const { roomId, csv } = req.body;
      await room(roomId);
      const saved = await store.settings.get(mappingKey(roomId));
      const mapping = (req.body.mapping ?? (saved ? JSON.parse(saved) : undefined)) as ShopMapping | undefined;
      if (!mapping) throw new AppError('IMPORT_MAPPING_MISSING', String(roomId));
      const { orders, skipped } = readShopOrders(csv, mapping, await app.catalog.codes());
      const result = await app.orders.importShopOrders(roomId, orders);
      req.log.info({ roomId, ...result, skipped }, 'shop orders imported');
      return { ...result, skipped };
    },
  );
};

export default imports;
