import type { AddressInfo } from 'node:net';
import crypto from 'node:crypto';
import multipart from '@fastify/multipart';
import type { createAdapter } from '@socket.io/redis-adapter';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import { RoomConnections } from './adapters/connections.ts';
import { PluginRegistry } from './adapters/registry.ts';
import { ChatPipeline } from './chat/pipeline.ts';
import { createEvents, type Events } from './events.ts';
import { chatSafeName } from './orders/ack.ts';
import { OrderService } from './orders/service.ts';
import { AppError } from './errors.ts';
import { addressedLine, AnswerCooldown } from './policy/cooldown.ts';
import { inForce } from './policy/entry.ts';
import { PolicyService } from './policy/service.ts';
import { shanghaiDay } from './time.ts';
import { withSource } from './policy/question.ts';
import { Catalog } from './products/catalog.ts';
import { resolveAdminToken, type AdminToken } from './admin-token.ts';
import type { Config } from './config.ts';
import { seedDemo } from './demo/seed.ts';
import { exportOrders, exportTallies, type Format } from './exports/build.ts';
import { ExportScheduler } from './exports/schedule.ts';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import { requireAdmin } from './http/auth.ts';
import { frameworkRefusal, useErrorShape } from './http/error-handler.ts';
import { useStrictJsonBodies } from './http/json-body.ts';
import chatUsers from './http/routes/chat-users.ts';
import chat from './http/routes/chat.ts';
import confirmations from './http/routes/confirmations.ts';
import exportsRoutes from './http/routes/exports.ts';
import health from './http/routes/health.ts';
import imports from './http/routes/imports.ts';
import households from './http/routes/households.ts';
import orders from './http/routes/orders.ts';
import pages from './http/routes/pages.ts';
import photos from './http/routes/photos.ts';
import policyRoutes from './http/routes/policy.ts';
import questions from './http/routes/questions.ts';
import products from './http/routes/products.ts';
import rooms from './http/routes/rooms.ts';
import session from './http/routes/session.ts';
import tallies from './http/routes/tallies.ts';
import { useValidation } from './http/validation.ts';
import { attachRealtime, type Realtime } from './realtime/io.ts';
import { RoomRuntime } from './rooms/runtime.ts';
import { connectRedis, LocalState, RedisState, type SharedState } from './realtime/shared.ts';
import { openStore } from './store/open.ts';
import type { Store } from './store/store.ts';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    store: Store;
    runtime: RoomRuntime;
    adminToken: AdminToken;
    /** Whether this start seeded the demo. */
    demoSeeded: boolean;
    events: Events;
    catalog: Catalog;
    orders: OrderService;
    pipeline: ChatPipeline;
    policy: PolicyService;
    exportScheduler: ExportScheduler;
    registry: PluginRegistry;
    connections: RoomConnections;
    realtime: Realtime;
    /** The base of every URL handed out: PUBLIC_URL, or this server's own address. */
    publicUrl(): string;
  }
}

export interface AppOptions {
  config: Config;
  /** Defaults to opening `config.databaseUrl`. The app closes it when it closes. */
  store?: Store;
  logger?: FastifyServerOptions['logger'];
  /** Defaults to the plugins in `plugins/`. */
  registry?: PluginRegistry;
  /** How long the same policy question is answered only once per room (default a minute). */
  qaCooldownMs?: number;
}

/** The whole server as one Fastify instance; `server.ts` only listens and shuts down. */
export async function buildApp({ config, store: given, logger, registry, qaCooldownMs = 60_000 }: AppOptions) {
  const store = given ?? (await openStore(config.databaseUrl));
  let publishFailed = (_err: unknown): void => {};
  const sharing = await openSharing(config, store, (err) => publishFailed(err)).catch(async (err) => {
    if (!given) await store.close();
    throw err;
  });
  const app = Fastify({
    logger: logger ?? { level: config.logLevel },
    // Chat ingest can run at thousands of requests a second: log refusals and failures, not every hit.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    // Node's 16 KB for the request line and headers refused a question of ~1,800 Chinese characters
    // in `/api/policy/ask?q=` (each is nine bytes escaped): 64 KB takes any a viewer could paste.
    http: { maxHeaderSize: 64 * 1024 },
    // What Node refuses before Fastify sees a request (headers too large, a malformed request)
    // gets the API's error shape too, not Fastify's default body.
    clientErrorHandler: (err, socket) => {
      // A response already on its way (a pipelined request after a good one) must not be overwritten.
      if (!socket.writable || (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent) return socket.destroy();
      const refused = new AppError((err as { code?: string }).code === 'HPE_HEADER_OVERFLOW' ? 'HEADERS_TOO_LARGE' : 'VALIDATION_FAILED', 'the request could not be read', '');
      const body = JSON.stringify(refused.toJSON());
      socket.end(
        `HTTP/1.1 ${refused.statusCode} ${refused.statusCode === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    },
    ...(config.trustProxy === undefined ? {} : { trustProxy: config.trustProxy }),
    frameworkErrors: (err, _request, reply) => {
      const refused = frameworkRefusal(err);
      // The option's generic reply type admits no status codes: the plain one does.
      void (reply as FastifyReply).code(refused.statusCode).send(refused.toJSON());
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
  let lastPublishWarning = 0;
  publishFailed = (err) => {
    // Every overlay event of an outage fails the same way: once in ten seconds is enough to say so.
    if (Date.now() - lastPublishWarning < 10_000) return;
    lastPublishWarning = Date.now();
    app.log.warn({ err }, 'an overlay event did not reach the other instances: Redis is away');
  };

  app.decorate('config', config);
  app.decorate('store', store);
  app.addHook('onClose', async () => store.close());
  app.addHook('onClose', async () => sharing.close());
  app.decorate('runtime', new RoomRuntime(sharing.state));
  app.decorate('events', createEvents());
  app.decorate('catalog', new Catalog(store));
  app.decorate('orders', new OrderService(store, app.events));
  app.decorate('policy', new PolicyService(store, app.log));
  // Answers collected during a question's cooldown go out together, naming everyone who asked.
  // An entry withdrawn (or out of date) since the askers were collected answers no one: their
  // questions go back to the official's queue, as do those still waiting when the server stops.
  const requeue = async (ids: number[]) => {
    for (const q of await store.questions.requeue(ids)) {
      app.events.emit('question', { roomId: q.roomId, status: 'queued', text: q.text, answered: false, answer: { answered: false, score: q.score } });
    }
  };
  const requeueLogged = (ids: number[]) =>
    requeue(ids).catch((err) => app.log.warn({ err, questions: ids }, 'questions waiting for a combined answer not put back in the queue'));
  const cooldown = new AnswerCooldown(
    qaCooldownMs,
    async ({ roomId, entryId, names, count, questionIds }) => {
      const entry = await app.policy.entry(entryId).catch((err) => app.log.warn({ err, roomId, entryId }, 'combined answer not sent'));
      if (!entry || !inForce(entry, shanghaiDay(new Date()))) {
        app.log.info({ roomId, entryId, questions: questionIds.length }, 'combined answer not sent; the questions go back to the queue');
        return false;
      }
      app.realtime.say(roomId, addressedLine(names, count, withSource(entry.short, entry.source), chatSafeName));
      app.realtime.showQa(roomId, { question: entry.questions[0]!, short: entry.short, source: entry.source, at: new Date().toISOString() });
      return true;
    },
    (ids) => void requeueLogged(ids),
  );
  app.decorate(
    'pipeline',
    new ChatPipeline({ orders: app.orders, policy: app.policy, cooldown, catalog: app.catalog, runtime: app.runtime, events: app.events, log: app.log }),
  );
  startHoldExpiry(app);
  app.decorate('registry', registry ?? (await PluginRegistry.load()));
  app.decorate(
    'connections',
    new RoomConnections({ store, registry: app.registry, runtime: app.runtime, pipeline: app.pipeline, events: app.events, catalog: app.catalog, log: app.log }),
  );
  app.addHook('onReady', async () => app.connections.startEnabled());
  // Before the adapters close, while a combined answer on its way can still reach chat; a question
  // asked after the stop goes to the queue by itself.
  app.addHook('preClose', async () => requeueLogged(await cooldown.stop()));
  app.addHook('preClose', async () => app.connections.closeAll());
  const exportScheduler = new ExportScheduler(
    store,
    (kind) => {
      const [what, format] = kind.split('.') as ['orders' | 'tallies', Format];
      return what === 'orders' ? exportOrders(store, {}, format) : exportTallies(store, { groupBy: 'household' }, format);
    },
    app.log,
  );
  app.decorate('exportScheduler', exportScheduler);
  await exportScheduler.start();
  app.addHook('preClose', async () => exportScheduler.stop());
  app.decorate('publicUrl', () => {
    if (config.publicUrl) return config.publicUrl;
    const address = app.server.address() as AddressInfo | null;
    return `http://127.0.0.1:${address?.port ?? config.port}`;
  });
  app.decorate('adminToken', await resolveAdminToken(store, config.adminToken));
  app.decorate('demoSeeded', config.demo ? await seedDemo(store) : false);

  useValidation(app);
  useErrorShape(app);
  useStrictJsonBodies(app);
  // A POST without a body means "nothing to say" (`/connect`, `/accept`): validate it as `{}`.
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined && request.method !== 'GET' && request.method !== 'HEAD' && !request.isMultipart()) request.body = {};
  });
  await app.register(multipart);
  await app.register(cookie);
  await app.register(helmet, {
    // Pages run only their own scripts: chat text can never become code here.
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'self'"],
      },
    },
    // OBS and phones on the LAN load these pages over plain HTTP.
    strictTransportSecurity: false,
  });

  await app.register(health);
  await app.register(session);
  await app.register(pages);
  await app.register(photos);
  // Platforms that push chat to us authenticate by their own signatures, not the admin token.
  for (const plugin of app.registry.all()) if (plugin.hooks) await app.register(plugin.hooks);
  await app.register(async (api) => {
    api.addHook('onRequest', requireAdmin(app.adminToken.token, store));
    await api.register(households);
    await api.register(products);
    await api.register(rooms);
    await api.register(chat);
    await api.register(orders);
    await api.register(confirmations);
    await api.register(tallies);
    await api.register(exportsRoutes);
    await api.register(imports);
    await api.register(chatUsers);
    await api.register(policyRoutes);
    await api.register(questions);
  });
  app.decorate('realtime', attachRealtime(app, sharing.state, sharing.adapter));
  app.addHook('preClose', async () => app.realtime.close());
  return app;
}

/**
 * What the instances of a scale-out deployment share beyond the database: with REDIS_URL, the
 * transient room state and socket.io's fan-out go through Redis, under keys namespaced by the
 * database they serve (two deployments may share one Redis); without, this process keeps them.
 */
async function openSharing(
  config: Config,
  store: Store,
  onPublishFailed: (err: unknown) => void,
): Promise<{ state: SharedState; adapter?: ReturnType<typeof createAdapter>; close(): Promise<void> }> {
  if (!config.redisUrl) return { state: new LocalState(), close: async () => {} };
  // The deployment's name, kept in its database: instances that reach one database under different
  // URLs (127.0.0.1 and localhost, a proxy) are one deployment. Named after the URL, they were two,
  // and an overlay on one instance never heard what the other did.
  const deployment = await store.settings.setIfAbsent(DEPLOYMENT_ID, crypto.randomUUID());
  const prefix = `nongbo:${deployment}:`;
  // Loaded only for the scale-out mode: a laptop on SQLite never pays for Redis's client.
  const { createAdapter: redisAdapter } = await import('@socket.io/redis-adapter');
  const state = await connectRedis(config.redisUrl);
  // socket.io's adapter publishes without waiting for an answer, so its client queues while Redis
  // is away (a refused publish would be an unhandled rejection) and sends when it is back.
  const pub = state.duplicate({ disableOfflineQueue: false });
  // …but a publish still queued when the client's command timeout (5 s) runs out is rejected, and
  // the adapter never handles it: one Redis outage of a few seconds ended every instance. Such an
  // event is lost to the other instances (their overlays reread the state when they reconnect).
  const publish = pub.publish.bind(pub);
  Object.defineProperty(pub, 'publish', { value: (...args: Parameters<typeof publish>) => publish(...args).catch((err: unknown) => (onPublishFailed(err), 0)) });
  const sub = state.duplicate();
  for (const client of [pub, sub]) client.on('error', () => {});
  await Promise.all([pub.connect(), sub.connect()]);
  return {
    state: new RedisState(state, prefix),
    adapter: redisAdapter(pub, sub, { key: `${prefix}socket.io` }),
    async close() {
      // close() waits for queued commands, which never go while Redis is away: a shutdown then hung
      // for good. A short grace, then the connections are dropped.
      await Promise.allSettled(
        [state, pub, sub].map((client) => Promise.race([client.close(), new Promise((r) => setTimeout(r, 2000).unref())]).finally(() => client.destroy())),
      );
    },
  };
}

const DEPLOYMENT_ID = 'deployment-id';

/** Held orders expire on a timer; a tick that finds nothing costs one indexed query. */
function startHoldExpiry(app: FastifyInstance): void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    app.orders
      .expireDue()
      .then((n) => n > 0 && app.log.info({ expired: n }, 'holds expired'))
      .catch((err) => app.log.error({ err }, 'hold expiry failed'))
      .finally(() => (running = false));
  }, EXPIRY_TICK_MS);
  timer.unref();
  app.addHook('preClose', async () => clearInterval(timer));
}

const EXPIRY_TICK_MS = 5000;

export type App = Awaited<ReturnType<typeof buildApp>>;
