import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildApp, type App } from '../src/app.ts';

/** An app as `npm start` runs it (SQLite file, WAL, synchronous=FULL), without logs or demo. */
export async function benchApp(): Promise<{ app: App; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nongbo-bench-'));
  const app = await buildApp({
    config: {
      port: 0,
      host: '127.0.0.1',
      publicUrl: undefined,
      databaseUrl: `file:${path.join(dir, 'nongbo.db')}`,
      redisUrl: undefined,
      adminToken: 'bench-token',
      demo: false,
      logLevel: 'silent',
    },
    logger: false,
  });
  return { app, dir };
}

export const auth = { authorization: 'Bearer bench-token' };

/** A household, product 1 with plenty of stock, and a room of the given platform that lets any buyer order freely. */
export async function benchShop(app: App, platform = 'push', config: Record<string, unknown> = {}) {
  const post = async (url: string, body: unknown) => {
    const res = await app.inject({ method: 'POST', url, headers: auth, payload: body as object });
    if (res.statusCode >= 300) throw new Error(`${url}: ${res.body}`);
    return res.json();
  };
  const household = await post('/api/households', { name: '陈家', povertyStatus: 'lifted' });
  const other = await post('/api/households', { name: '王家', povertyStatus: 'monitored' });
  const product = await post('/api/products', {
    code: '1',
    name: '高山土豆',
    unit: '斤',
    priceFen: 300,
    stock: 10_000_000,
    sources: [{ householdId: household.id, share: 2 }, { householdId: other.id, share: 1 }],
  });
  const second = await post('/api/products', { code: '2', name: '土鸡蛋', unit: '盒', priceFen: 4500, stock: 10_000_000, sources: [{ householdId: other.id, share: 1 }] });
  const room = await post('/api/rooms', {
    name: '压测直播间',
    platform,
    config,
    platformFeeRate: 0.05,
    commissionRate: 0.1,
    limits: { orderMessagesPerSecond: 1000, maxOpenOrdersPerBuyer: 10_000 },
  });
  await post(`/api/rooms/${room.id}/feature`, { code: '1' });
  return { room, product, second };
}

export async function closeBench(app: App, dir: string): Promise<void> {
  await app.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
