import type { AddressInfo } from 'node:net';
import multipart from '@fastify/multipart';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyServerOptions } from 'fastify';
import { resolveAdminToken, type AdminToken } from './admin-token.ts';
import type { Config } from './config.ts';
import { seedDemo } from './demo/seed.ts';
import { requireAdminToken } from './http/auth.ts';
import { useErrorShape } from './http/error-handler.ts';
import { useStrictJsonBodies } from './http/json-body.ts';
import health from './http/routes/health.ts';
import home from './http/routes/home.ts';
import households from './http/routes/households.ts';
import photos from './http/routes/photos.ts';
import products from './http/routes/products.ts';
import rooms from './http/routes/rooms.ts';
import { useValidation } from './http/validation.ts';
import { RoomRuntime } from './rooms/runtime.ts';
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
    /** The base of every URL handed out: PUBLIC_URL, or this server's own address. */
    publicUrl(): string;
  }
}

export interface AppOptions {
  config: Config;
  /** Defaults to opening `config.databaseUrl`. The app closes it when it closes. */
  store?: Store;
  logger?: FastifyServerOptions['logger'];
}

/** The whole server as one Fastify instance; `server.ts` only listens and shuts down. */
export async function buildApp({ config, store = openStore(config.databaseUrl), logger }: AppOptions) {
  const app = Fastify({
    logger: logger ?? { level: config.logLevel },
    // Chat ingest can run at thousands of requests a second: log refusals and failures, not every hit.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorate('config', config);
  app.decorate('store', store);
  app.addHook('onClose', async () => store.close());
  app.decorate('runtime', new RoomRuntime());
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
  await app.register(multipart);

  await app.register(health);
  await app.register(home);
  await app.register(photos);
  await app.register(async (api) => {
    api.addHook('onRequest', requireAdminToken(app.adminToken.token));
    await api.register(households);
    await api.register(products);
    await api.register(rooms);
  });
  return app;
}

export type App = Awaited<ReturnType<typeof buildApp>>;
