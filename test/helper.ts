import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildApp, type App } from '../src/app.ts';
import type { Config } from '../src/config.ts';

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

/** A fresh app on an in-memory database built from the real migrations. */
export async function buildTestApp(overrides: Partial<Config> = {}): Promise<App> {
  return buildApp({ config: testConfig(overrides), logger: false });
}

/** A temporary folder for a database file, removed by the caller's cleanup. */
export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'nongbo-test-'));
}

/** `app.inject` with the admin token and a JSON body. */
export async function call(app: App, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown) {
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
