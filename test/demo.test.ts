import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { auth, buildTestApp, call, tempDatabaseUrl, until } from './helper.ts';
import { usePostgres } from './postgres.ts';

let app: App | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const counts = async (a: App) => ({
  households: (await call(a, 'GET', '/api/households')).body.length,
  products: (await call(a, 'GET', '/api/products')).body.length,
  rooms: (await call(a, 'GET', '/api/rooms')).body.length,
});

describe('demo seed', () => {
  it('seeds a Guizhou cooperative with lifted and monitored households, pooled products and a simulator room', async () => {
    app = await buildTestApp({ demo: true });
    expect(app.demoSeeded).toBe(true);
    const households = (await call(app, 'GET', '/api/households')).body;
    const statuses = new Set(households.map((h: { povertyStatus: string }) => h.povertyStatus));
    expect(statuses).toEqual(new Set(['none', 'lifted', 'monitored']));
    expect(households.every((h: { village: string }) => h.village.startsWith('贵州省'))).toBe(true);

    const products = (await call(app, 'GET', '/api/products')).body;
    expect(products.length).toBeGreaterThanOrEqual(3);
    expect(products.filter((p: { sources: unknown[] }) => p.sources.length > 1).length).toBeGreaterThanOrEqual(3);
    expect(products.every((p: { story: string }) => p.story.length > 10)).toBe(true);

    const rooms = (await call(app, 'GET', '/api/rooms')).body;
    expect(rooms.map((r: { platform: string }) => r.platform)).toContain('simulator');
    // A policy Q&A room with a knowledge base that answers.
    expect(rooms.filter((r: { qa: boolean }) => r.qa).map((r: { platform: string }) => r.platform)).toEqual(['simulator']);
    const ask = await app.inject({ url: `/api/policy/ask?q=${encodeURIComponent('小额信贷最多能贷多少钱？')}`, headers: auth });
    expect(ask.json()).toMatchObject({ answered: true, entryId: 'loan-amount-term' });
  });

  it('runs a policy Q&A stream a newcomer can watch: questions answered from the knowledge base, unsure ones queued', async () => {
    app = await buildTestApp({ demo: true });
    const qa = (await call(app, 'GET', '/api/rooms')).body.find((r: { qa: boolean }) => r.qa);
    // Faster than the demo's one message a second, so the test sees a few questions soon.
    expect((await call(app, 'PATCH', `/api/rooms/${qa.id}`, { config: { rate: 400, seed: 7 } })).status).toBe(200);
    expect((await call(app, 'POST', `/api/rooms/${qa.id}/connect`)).status).toBe(200);
    const statuses = async () => new Set((await call(app!, 'GET', `/api/questions?roomId=${qa.id}&limit=200`)).body.map((q: { status: string }) => q.status));
    await until('answered and queued questions', async () => {
      const s = await statuses();
      return s.has('answered') && s.has('queued');
    });
    // An official's stream: nothing in it is an order.
    expect((await call(app, 'GET', `/api/rooms/${qa.id}`)).body.stats.orders).toBe(0);
  });

  it('ships the development knowledge base as the demo’s, byte for byte', () => {
    const demo = fs.readFileSync(path.join(import.meta.dirname, '../src/demo/policy-kb.zh.json'));
    expect(demo.equals(fs.readFileSync(path.join(import.meta.dirname, 'fixtures/policy-kb.zh.json')))).toBe(true);
  });

  it('is idempotent: a restart on the same database seeds nothing more', async () => {
    const databaseUrl = await tempDatabaseUrl();
    app = await buildTestApp({ demo: true, databaseUrl });
    const before = await counts(app);
    await app.close();
    app = await buildTestApp({ demo: true, databaseUrl });
    expect(app.demoSeeded).toBe(false);
    expect(await counts(app)).toEqual(before);
  });

  // Only the scale-out engine has several instances; the embedded database belongs to one process.
  it.skipIf(!usePostgres)('seeds once when two instances start on the same database at the same moment', async () => {
    const databaseUrl = await tempDatabaseUrl();
    const [a, b] = await Promise.all([buildTestApp({ demo: true, databaseUrl }), buildTestApp({ demo: true, databaseUrl })]);
    try {
      expect([a.demoSeeded, b.demoSeeded].filter(Boolean)).toHaveLength(1);
      const single = await buildTestApp({ demo: true });
      expect(await counts(a)).toEqual(await counts(single));
      await single.close();
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('never seeds a database that already holds the cooperative’s own data', async () => {
    const databaseUrl = await tempDatabaseUrl();
    app = await buildTestApp({ databaseUrl });
    await call(app, 'POST', '/api/households', { name: '自家农户' });
    await app.close();
    app = await buildTestApp({ demo: true, databaseUrl });
    expect(app.demoSeeded).toBe(false);
    expect(await counts(app)).toEqual({ households: 1, products: 0, rooms: 0 });
  });

  it('seeds nothing with NONGBO_DEMO=0', async () => {
    app = await buildTestApp({ demo: false });
    expect(app.demoSeeded).toBe(false);
    expect(await counts(app)).toEqual({ households: 0, products: 0, rooms: 0 });
  });
});
