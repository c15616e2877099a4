import { ConfigError } from '../config.ts';
import { openSqliteStore } from './sqlite/store.ts';
import type { Store } from './store.ts';

/** Picks the engine from DATABASE_URL: `file:PATH` is the embedded SQLite default. */
export function openStore(databaseUrl: string): Store {
  if (databaseUrl.startsWith('file:')) return openSqliteStore(databaseUrl);
  throw new ConfigError(`DATABASE_URL ${databaseUrl.replace(/\/\/[^@/]*@/, '//***@')}: PostgreSQL (the scale-out mode) is not available in this version yet; use file:PATH`);
}
