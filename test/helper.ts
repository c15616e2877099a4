import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildApp, type App, type AppOptions } from '../src/app.ts';
import type { Config } from '../src/config.ts';
import { freshPostgresUrl, usePostgres } from './postgres.ts';

export const TOKEN = 'test-admin-token';
export const auth = { authorization: `Bearer ${TOKEN}` };

export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    port: 0,
    host: '127.0.0.1',
    publicUrl: undefined,
    databaseUrl: 'file::memory:',
    redisUrl: undefined,
    adminToken: TOKEN,
    demo: false,
    logLevel: 'silent',
    ...overrides,
  };
}

/**
 * A fresh app on an empty database built from the real migrations: in-memory SQLite, or with
 * TEST_DATABASE=postgres a PostgreSQL database of its own.
 */
export async function buildTestApp(overrides: Partial<Config> = {}, options: Partial<AppOptions> = {}): Promise<App> {
  const config = testConfig(overrides);
  if (usePostgres && config.databaseUrl === 'file::memory:') config.databaseUrl = await freshPostgresUrl();
  return buildApp({ config, logger: false, ...options });
}

/** A database that outlives one app, for restart tests: a SQLite file, or a PostgreSQL database. */
export async function tempDatabaseUrl(): Promise<string> {
  return usePostgres ? freshPostgresUrl() : `file:${path.join(tempDir(), 'nongbo.db')}`;
}

/** A temporary folder for a database file, removed by the caller's cleanup. */
export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'nongbo-test-'));
}

/** `app.inject` with the admin token and a JSON body. */
export async function call(app: App, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, body?: unknown) {
  const res = await app.inject({ method, url, headers: auth, ...(body === undefined ? {} : { payload: body as object }) });
  return { status: res.statusCode, body: res.body ? res.json() : undefined, headers: res.headers };
}

export async function createHousehold(app: App, fields: Record<string, unknown> = {}) {
  const res = await call(app, 'POST', '/api/households', { name: '王大山', village: '石门村', povertyStatus: 'monitored', ...fields });
  if (res.status !== 201) throw new Error(`household: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: number; name: string };
}

export async function createProduct(app: App, fields: Record<string, unknown> = {}) {
  const household = fields.sources ? undefined : await createHousehold(app);
  const res = await call(app, 'POST', '/api/products', {
    code: '3',
    name: '土蜂蜜',
    unit: '瓶',
    priceFen: 6800,
    stock: 10,
    sources: [{ householdId: household?.id, share: 1 }],
    ...fields,
  });
  if (res.status !== 201) throw new Error(`product: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: number; code: string; stock: number; photoUrl: string | null };
}

/** A fetch Response's JSON body, loosely typed for assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const json = (res: Response): Promise<any> => res.json();

export interface Shop {
  households: { id: number; name: string; povertyStatus: string }[];
  products: Record<string, { id: number; code: string; stock: number; sources: { householdId: number; share: number }[] }>;
  room: { id: number; overlayToken: string };
}

/**
 * Three households (monitored, lifted, none), products with codes 1, 3, 5 and A1 at ¥19.99
 * pooled in different ways, a push room with a 5 % fee and 10 % commission, product 5 featured.
 */
export async function setupShop(app: App, { stock = 100, room = {} as Record<string, unknown> } = {}): Promise<Shop> {
  const households = [];
  for (const [name, povertyStatus] of [['王大山', 'monitored'], ['李秀英', 'lifted'], ['张建国', 'none']]) {
    households.push((await call(app, 'POST', '/api/households', { name, village: '石门村', povertyStatus })).body);
  }
  const [a, b, c] = households.map((h) => h.id as number) as [number, number, number];
  const layout: Record<string, { householdId: number; share: number }[]> = {
    '1': [{ householdId: a, share: 1 }],
    '3': [{ householdId: a, share: 1 }, { householdId: b, share: 1 }, { householdId: c, share: 1 }],
    '5': [{ householdId: a, share: 2 }, { householdId: b, share: 1 }],
    A1: [{ householdId: c, share: 0.5 }, { householdId: b, share: 1.5 }],
  };
  const products: Shop['products'] = {};
  for (const [code, sources] of Object.entries(layout)) {
    const res = await call(app, 'POST', '/api/products', { code, name: `产品${code}`, unit: '箱', priceFen: 1999, stock, sources });
    if (res.status !== 201) throw new Error(`product ${code}: ${JSON.stringify(res.body)}`);
    products[code] = { ...res.body, sources };
  }
  const created = await call(app, 'POST', '/api/rooms', { name: '测试直播间', platform: 'push', platformFeeRate: 0.05, commissionRate: 0.1, ...room });
  if (created.status !== 201) throw new Error(`room: ${JSON.stringify(created.body)}`);
  await call(app, 'POST', `/api/rooms/${created.body.id}/feature`, { code: '5' });
  return { households, products, room: created.body };
}

let messageSeq = 0;

/** Posts a chat message to the room as the push adapter would. */
export async function say(app: App, roomId: number, text: string, opts: { id?: string; user?: string; name?: string; ts?: number | string } = {}) {
  const n = ++messageSeq;
  return call(app, 'POST', `/api/rooms/${roomId}/messages`, {
    id: opts.id ?? `m-${n}`,
    user: { id: opts.user ?? `u-${n}`, name: opts.name ?? `买家${n}` },
    text,
    ...(opts.ts !== undefined && { ts: opts.ts }),
  });
}

/** Waits until `check` holds, polling; fails with `what` after `ms`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
