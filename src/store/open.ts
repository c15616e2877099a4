import { openPostgresStore } from './postgres/store.ts';
import { openSqliteStore } from './sqlite/store.ts';
import type { Store } from './store.ts';

/** Picks the engine from DATABASE_URL: `file:PATH` is the embedded SQLite default, `postgres://…` the scale-out mode. */
export async function openStore(databaseUrl: string): Promise<Store> {
  return databaseUrl.startsWith('file:') ? openSqliteStore(databaseUrl) : openPostgresStore(databaseUrl);
}
