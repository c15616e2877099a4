import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { buildTestApp, call, createProduct, tempDir } from './helper.ts';

let app: App | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const journal = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '../migrations/sqlite/meta/_journal.json'), 'utf8'));

describe('SQLite store', () => {
  it('applies every migration to a fresh database file, in WAL mode', async () => {
    const dir = path.join(tempDir(), 'nested', 'data');
    const file = path.join(dir, 'nongbo.db');
    app = await buildTestApp({ databaseUrl: `file:${file}` });
    await app.close();
    app = undefined;

    const db = new Database(file, { readonly: true });
    const tables = db.prepare("select name from sqlite_master where type = 'table'").all().map((r) => (r as { name: string }).name);
    for (const table of ['households', 'products', 'product_sources', 'rooms', 'live_sessions', 'chat_users', 'chat_messages',
      'feature_log', 'orders', 'order_lines', 'ledger_entries', 'policy_entries', 'questions', 'photos', 'settings']) {
      expect(tables).toContain(table);
    }
    const applied = db.prepare('select count(*) as n from __drizzle_migrations').get() as { n: number };
    expect(applied.n).toBe(journal.entries.length);
    expect((db.pragma('journal_mode') as { journal_mode: string }[])[0]!.journal_mode).toBe('wal');
    db.close();
  });

  it('keeps data across a restart on the same file and does not re-apply migrations', async () => {
    const databaseUrl = `file:${path.join(tempDir(), 'nongbo.db')}`;
    app = await buildTestApp({ databaseUrl });
    const product = await createProduct(app, { code: 'B2', name: '刺梨原浆' });
    const room = (await call(app, 'POST', '/api/rooms', { name: '间', platform: 'push', commissionRate: 0.1 })).body;
    await app.close();

    app = await buildTestApp({ databaseUrl });
    expect((await call(app, 'GET', `/api/products/${product.id}`)).body).toMatchObject({ code: 'B2', name: '刺梨原浆', stock: 10 });
    expect((await call(app, 'GET', `/api/rooms/${room.id}`)).body).toMatchObject({
      overlayToken: room.overlayToken,
      commissionRate: 0.1,
    });
    expect((await call(app, 'GET', '/api/households')).body).toHaveLength(1);
  });

  it('refuses, at the database itself, negative stock and any change to the ledger', async () => {
    const file = path.join(tempDir(), 'nongbo.db');
    app = await buildTestApp({ databaseUrl: `file:${file}` });
    const product = await createProduct(app);
    await app.close();
    app = undefined;

    const db = new Database(file);
    db.pragma('foreign_keys = ON');
    expect(() => db.prepare('update products set stock = -1 where id = ?').run(product.id)).toThrow(/CHECK constraint/);
    const now = Date.now();
    db.prepare("insert into rooms (name, platform, config, overlay_token, limits, created_at, updated_at) values ('r', 'push', '{}', 't', '{}', ?, ?)").run(now, now);
    db.prepare("insert into chat_users (platform, platform_user_id, display_name, created_at, updated_at) values ('push', 'u', 'n', ?, ?)").run(now, now);
    db.prepare("insert into orders (room_id, chat_user_id, status, created_at, updated_at) values (1, 1, 'held', ?, ?)").run(now, now);
    db.prepare('insert into order_lines (order_id, product_id, code, qty, price_fen, gross_fen) values (1, ?, ?, 1, 6800, 6800)').run(product.id, product.code);
    db.prepare("insert into ledger_entries (order_id, order_line_id, room_id, product_id, household_id, kind, quantity, gross_fen, platform_fee_fen, commission_fen, net_fen, created_at) values (1, 1, 1, ?, 1, 'claim', 1, 6800, 0, 0, 6800, ?)").run(product.id, now);
    expect(() => db.prepare('update ledger_entries set net_fen = 0').run()).toThrow(/append-only/);
    expect(() => db.prepare('delete from ledger_entries').run()).toThrow(/append-only/);
    expect((db.prepare('select net_fen from ledger_entries').get() as { net_fen: number }).net_fen).toBe(6800);
    db.close();
  });
});
