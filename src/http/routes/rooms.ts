import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '../../errors.ts';
import { CONNECTION_STATES } from '../../rooms/runtime.ts';
import { checkRates, DEFAULT_LIMITS, newOverlayToken, overlayUrls, PLATFORMS, type Room } from '../../rooms/room.ts';
import { normalizeCode } from '../../products/product.ts';
import { DateTime, IdParams, Name, Nullable, PageQuery, StringEnum } from '../schemas.ts';
import { ProductView, productView } from './products.ts';

const Rate = Type.Number({ minimum: 0, maximum: 1 });

// Keys the contract names are typed; adapters may take further keys of their own.
const Config = Type.Object(
  {
    url: Type.Optional(Type.String({ pattern: '^(wss?|https?)://[^\\s]+$', maxLength: 2000 })),
    channel: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    roomId: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Integer({ minimum: 0 })])),
    key: Type.Optional(Type.String({ maxLength: 4000 })),
  },
  { additionalProperties: true },
);

const Limits = Type.Object(
  {
    holdMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 7 * 24 * 60 })),
    maxQtyPerOrder: Type.Optional(Type.Integer({ minimum: 1, maximum: 99 })),
    maxOpenOrdersPerBuyer: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    orderMessagesPerSecond: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  { additionalProperties: false },
);

const RoomFields = {
  name: Name,
  platform: StringEnum(PLATFORMS),
  config: Type.Optional(Config),
  platformFeeRate: Type.Optional(Rate),
  commissionRate: Type.Optional(Rate),
  qa: Type.Optional(Type.Boolean()),
  limits: Type.Optional(Limits),
};

const RoomBody = Type.Object(RoomFields, { additionalProperties: false });
// The platform is what the room is; a different platform is a different room.
const RoomPatch = Type.Partial(Type.Omit(RoomBody, ['platform']), { additionalProperties: false, minProperties: 1 });

const RoomView = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  platform: StringEnum(PLATFORMS),
  config: Type.Object({}, { additionalProperties: true }),
  platformFeeRate: Type.Number(),
  commissionRate: Type.Number(),
  qa: Type.Boolean(),
  limits: Type.Object({
    holdMinutes: Type.Integer(),
    maxQtyPerOrder: Type.Integer(),
    maxOpenOrdersPerBuyer: Type.Integer(),
    orderMessagesPerSecond: Type.Integer(),
  }),
  overlayToken: Type.String(),
  overlays: Type.Record(Type.String(), Type.String()),
  connection: Type.Object({ state: StringEnum(CONNECTION_STATES), error: Type.Optional(Type.String()) }),
  stats: Type.Object({ messages: Type.Integer(), orders: Type.Integer(), questions: Type.Integer() }),
  createdAt: DateTime,
  updatedAt: DateTime,
});

/** Live rooms, with the overlay URLs to paste into OBS and what each room is doing now. */
const rooms: FastifyPluginAsyncTypebox = async (app) => {
  const { store, runtime } = app;
  const view = (room: Room) => ({
    ...room,
    overlays: overlayUrls(app.publicUrl(), room),
    connection: runtime.connection(room),
    stats: runtime.stats(room.id),
  });
  const load = async (id: number) => {
    const room = await store.rooms.get(id);
    if (!room) throw new AppError('ROOM_NOT_FOUND', String(id));
    return room;
  };

  app.post('/api/rooms', { schema: { body: RoomBody, response: { 201: RoomView } } }, async (req, reply) => {
    checkRates(req.body.platformFeeRate ?? 0, req.body.commissionRate ?? 0);
    const room = await store.rooms.create({
      ...req.body,
      overlayToken: newOverlayToken(),
      limits: { ...DEFAULT_LIMITS, ...req.body.limits },
    });
    reply.code(201);
    return view(room);
  });

  app.get('/api/rooms', { schema: { querystring: PageQuery, response: { 200: Type.Array(RoomView) } } }, async (req) =>
    (await store.rooms.list(req.query)).map(view),
  );

  app.get('/api/rooms/:id', { schema: { params: IdParams, response: { 200: RoomView } } }, async (req) =>
    view(await load(req.params.id)),
  );

  app.patch('/api/rooms/:id', { schema: { params: IdParams, body: RoomPatch, response: { 200: RoomView } } }, async (req) => {
    const room = await load(req.params.id);
    checkRates(req.body.platformFeeRate ?? room.platformFeeRate, req.body.commissionRate ?? room.commissionRate);
    const limits = req.body.limits ? { ...room.limits, ...req.body.limits } : undefined;
    return view(await store.rooms.update(room.id, { ...req.body, limits }));
  });

  const featured = async (roomId: number) => {
    const current = await store.features.current(roomId);
    const product = current?.productId ? await store.products.get(current.productId) : undefined;
    return { roomId, product: product ? productView(app.publicUrl(), product) : null, at: current?.at ?? null };
  };
  const Featured = Type.Object({ roomId: Type.Integer(), product: Nullable(ProductView), at: Nullable(DateTime) });

  // The featured product (讲解中): `+1` and code-less orders mean the product featured at their own time.
  app.post(
    '/api/rooms/:id/feature',
    {
      schema: {
        params: IdParams,
        body: Type.Object(
          { code: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 20 }))), productId: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))) },
          { additionalProperties: false, minProperties: 1, maxProperties: 1 },
        ),
        response: { 200: Featured },
      },
    },
    async (req) => {
      const room = await load(req.params.id);
      const { code, productId } = req.body;
      const product =
        typeof productId === 'number'
          ? await store.products.get(productId)
          : typeof code === 'string'
            ? await store.products.getByCode(normalizeCode(code))
            : null;
      if (product === undefined) throw new AppError('PRODUCT_NOT_FOUND', String(productId ?? code));
      const at = new Date();
      await store.features.record(room.id, product?.id ?? null, at);
      app.events.emit('feature', { roomId: room.id, productId: product?.id ?? null, at: at.toISOString() });
      return featured(room.id);
    },
  );

  app.get('/api/rooms/:id/feature', { schema: { params: IdParams, response: { 200: Featured } } }, async (req) =>
    featured((await load(req.params.id)).id),
  );

  // A leaked overlay URL is fixed by giving the room a new token; old OBS sources stop reading.
  app.post('/api/rooms/:id/overlay-token', { schema: { params: IdParams, response: { 200: RoomView } } }, async (req) => {
    const room = await load(req.params.id);
    return view(await store.rooms.update(room.id, { overlayToken: newOverlayToken() }));
  });
};

export default rooms;
