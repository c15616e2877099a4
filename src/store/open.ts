import { openSqliteStore } from './sqlite/store.ts';
import type { Store } from './store.ts';

/**
 * Picks the engine from DATABASE_URL: `file:PATH` is the embedded SQLite default, `postgres://…`
 * the scale-out mode, whose driver is loaded only then.
 */
export async function openStore(databaseUrl: string): Promise<Store> {
  if (databaseUrl.startsWith('file:')) return openSqliteStore(databaseUrl);
  const { openPostgresStore } = await import('./postgres/store.ts');
  return openPostgresStore(databaseUrl);
}
