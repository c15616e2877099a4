import crypto from 'node:crypto';
import type { Store } from './store/store.ts';

export interface AdminToken {
  token: string;
  /** `env`: ADMIN_TOKEN was set; `stored`: generated on an earlier start; `generated`: just now. */
  origin: 'env' | 'stored' | 'generated';
}

/**
 * ADMIN_TOKEN always wins. Without it the token is generated once and kept in the database, so it
 * survives restarts and every instance of a scale-out deployment agrees on it.
 */
export async function resolveAdminToken(store: Store, fromEnv: string | undefined): Promise<AdminToken> {
  if (fromEnv) return { token: fromEnv, origin: 'env' };
  const fresh = crypto.randomBytes(24).toString('base64url');
  const token = await store.settings.setIfAbsent('admin_token', fresh);
  return { token, origin: token === fresh ? 'generated' : 'stored' };
}
