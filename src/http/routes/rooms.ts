import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static, type TSchema } from 'typebox';
import { AppError } from '../../errors.ts';
import { CONNECTION_STATES } from '../../rooms/runtime.ts';
import { checkRates, DEFAULT_LIMITS, newOverlayToken, overlayUrls, type Room } from '../../rooms/room.ts';
import { normalizeCode } from '../../products/product.ts';
import { Ajv, type ValidateFunction } from 'ajv';
import { describeValidation } from '../validation.ts';
import { DateTime, IdParams, Name, Nullable, PageQuery, StringEnum } from '../schemas.ts';
import { ProductView, productView } from './products.ts';

const Rate = Type.Number({ minimum: 0, maximum: 1 });
const configAjv = new Ajv({ allErrors: false, strict: false, coerceTypes: false });

// Keys every adapter understands; each platform's plugin checks its own keys (see checkConfig).
const Config = Type.Object(
  {
    /** Overrides the platform's endpoint (websocket or HTTP base), e.g. to point at a local server. */
    url: Type.Optional(Type.String({ pattern: '^(wss?|https?)://[^\\s]+$', maxLength: 2000 })),
    /** Send order acknowledgements back to chat where the platform allows it (default true). */
    replies: Type.Optional(Type.Boolean()),
    /** A live connection silent this long is reconnected (default: the platform's). */
    watchdogMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 3_600_000 })),
  },
  { additionalProperties: true, maxProperties: 50 },
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
  platform: Type.String({ minLength: 1, maxLength: 40 }),
  config: Type.Optional(Config),
  platformFeeRate: Type.Optional(Rate),
  commissionRate: Type.Optional(Rate),
  qa: Type.Optional(Type.Boolean()),
  limits: Type.Optional(Limits),
  goalFen: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000_000_000 })),
};

const RoomBody = Type.Object(RoomFields, { additionalProperties: false });
// The platform is what the room is; a different platform is a different room.
const RoomPatch = Type.Partial(Type.Omit(RoomBody, ['platform']), { additionalProperties: false, minProperties: 1 });

const RoomView = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  platform: Type.String(),
  /** The platform's name for people (抖音, 模拟直播间), from its plugin. */
  platformLabel: Type.String(),
  config: Type.Object({}, { additionalProperties: true }),
  enabled: Type.Boolean(),
  goalFen: Type.Integer(),
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
  connection: Type.Object({ state: StringEnum(CONNECTION_STATES), error: Type.Optional(Type.String()), instance: Type.Optional(Type.String()) }),
  stats: Type.Object({ messages: Type.Integer(), orders: Type.Integer(), questions: Type.Integer() }),
  createdAt: DateTime,
  updatedAt: DateTime,
});

const PlatformView = Type.Object({
  platform: Type.String(),
  label: Type.String(),
  config: Type.Array(
    Type.Object({ key: Type.String(), type: StringEnum(['string', 'integer', 'number', 'boolean'] as const), required: Type.Boolean(), secret: Type.Boolean() }),
  ),
});

/** Settings that are keys or tokens: typed into a password field, never shown back in full. */
const SECRET = /key|secret|token|password/i;

/**
 * A plugin's configuration schema as form fields: its top-level settings, each with the type the
 * form should ask for (a union of number and text, like Bilibili's room id, is asked as text).
 */
export function configFields(schema: TSchema): Static<typeof PlatformView>['config'] {
  const properties = (schema as { properties?: Record<string, TSchema> }).properties ?? {};
  const required = new Set((schema as { required?: string[] }).required ?? []);
  return Object.entries(properties).flatMap(([key, property]) => {
    const type = (property as { type?: unknown }).type;
    // Lists and nested settings (Douyin's per-event secrets) are for the API, not a form field.
    if (type === 'object' || type === 'array') return [];
    return [{
      key,
      type: type === 'integer' || type === 'number' || type === 'boolean' ? type : 'string',
      required: required.has(key),
      secret: SECRET.test(key),
    }];
  });
}

/** Live rooms, with the overlay URLs to paste into OBS and what each room is doing now. */
const rooms: FastifyPluginAsyncTypebox = async (app) => {
  const { store, runtime, registry, connections } = app;
  const compiled = new Map<string, ValidateFunction>();
  /** The room's platform must have a plugin, and the plugin must accept the configuration. */
  const checkConfig = (platform: string, config: Record<string, unknown>) => {
    const plugin = registry.get(platform);
    if (!plugin) throw new AppError('VALIDATION_FAILED', `body.platform must be one of ${registry.platforms.join(', ')}`);
    let validate = compiled.get(platform);
    if (!validate) compiled.set(platform, (validate = configAjv.compile(plugin.configSchema)));
    if (!validate(config)) {
      const { en, zh } = describeValidation(validate.errors ?? [], 'config');
      throw new AppError('ROOM_CONFIG_INVALID', en, zh);
    }
  };
  const view = async (room: Room) => ({
    ...room,
    platformLabel: registry.get(room.platform)?.label ?? room.platform,
    overlays: overlayUrls(app.publicUrl(), room),
    connection: await runtime.connection(room),
    stats: await runtime.stats(room.id),
  });
  const load = async (id: number) => {
    const room = await store.rooms.get(id);
    if (!room) throw new AppError('ROOM_NOT_FOUND', String(id));
    return room;
  };

  // What the dashboard's "new room" form asks for: each platform's own settings, read from its plugin.
  app.get('/api/platforms', { schema: { response: { 200: Type.Array(PlatformView) } } }, async () =>
    registry.all().map((plugin) => ({ platform: plugin.platform, label: plugin.label, config: configFields(plugin.configSchema) })),
  );

  app.post('/api/rooms', { schema: { body: RoomBody, response: { 201: RoomView } } }, async (req, reply) => {
    checkConfig(req.body.platform, req.body.config ?? {});
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
    Promise.all((await store.rooms.list(req.query)).map(view)),
  );

  app.get('/api/rooms/:id', { schema: { params: IdParams, response: { 200: RoomView } } }, async (req) =>
    view(await load(req.params.id)),
  );

  app.patch('/api/rooms/:id', { schema: { params: IdParams, body: RoomPatch, response: { 200: RoomView } } }, async (req) => {
    const room = await load(req.params.id);
    if (req.body.config) checkConfig(room.platform, req.body.config);
    checkRates(req.body.platformFeeRate ?? room.platformFeeRate, req.body.commissionRate ?? room.commissionRate);
    const limits = req.body.limits ? { ...room.limits, ...req.body.limits } : undefined;
    const updated = await store.rooms.update(room.id, { ...req.body, limits });
    await connections.refresh(updated);
    if (req.body.goalFen !== undefined) app.realtime.goalChanged(room.id);
    return view(updated);
  });

  // Starts or stops the room's adapter; the choice is remembered across restarts.
  app.post('/api/rooms/:id/connect', { schema: { params: IdParams, response: { 200: RoomView } } }, async (req) =>
    view(await connections.connect((await load(req.params.id)).id)),
  );

  app.post('/api/rooms/:id/disconnect', { schema: { params: IdParams, response: { 200: RoomView } } }, async (req) =>
    view(await connections.disconnect((await load(req.params.id)).id)),
  );

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

  // The latest chat this server received for the room, for the panel to pick one to put on screen.
  app.get(
    '/api/rooms/:id/chat',
    {
      schema: {
        params: IdParams,
        querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }) }),
        response: { 200: Type.Array(Type.Object({ messageId: Type.String(), name: Type.String(), text: Type.String(), sentAt: DateTime })) },
      },
    },
    async (req) => runtime.recentChat((await load(req.params.id)).id, req.query.limit),
  );

  app.post(
    '/api/rooms/:id/featured-chat',
    {
      schema: {
        params: IdParams,
        body: Type.Object({ name: Type.Optional(Type.String({ maxLength: 200 })), text: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })) }, { additionalProperties: false }),
      },
    },
    async (req) => {
      const room = await load(req.params.id);
      const chat = req.body.text === undefined ? null : { name: req.body.name ?? '', text: req.body.text, at: new Date().toISOString() };
      app.realtime.showChat(room.id, chat);
      return { chat };
    },
  );

  // The Q&A card stays up until the next answer; the streamer may take it down sooner.
  app.delete('/api/rooms/:id/qa-card', { schema: { params: IdParams } }, async (req, reply) => {
    app.realtime.showQa((await load(req.params.id)).id, null);
    return reply.code(204).send();
  });

  app.post(
    '/api/rooms/:id/test-event',
    { schema: { params: IdParams, body: Type.Object({ kind: StringEnum(['order', 'qa', 'chat'] as const) }, { additionalProperties: false }) } },
    async (req) => {
      app.realtime.test((await load(req.params.id)).id, req.body.kind);
      return { sent: req.body.kind };
    },
  );

  // A leaked overlay URL is fixed by giving the room a new token; old OBS sources stop reading.
  app.post('/api/rooms/:id/overlay-token', { schema: { params: IdParams, response: { 200: RoomView } } }, async (req) => {
    const room = await load(req.params.id);
    return view(await store.rooms.update(room.id, { overlayToken: newOverlayToken() }));
  });
};

export default rooms;
