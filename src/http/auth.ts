import crypto from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';
import type { Store } from '../store/store.ts';

export const SESSION_COOKIE = 'nongbo_session';
export const CSRF_HEADER = 'x-csrf-token';
export const SESSION_DAYS = 30;

const digest = (s: string) => crypto.createHash('sha256').update(s).digest();
export const sessionKey = (cookie: string) => digest(cookie).toString('hex');

function sameSecret(given: string, expected: Buffer): boolean {
  return crypto.timingSafeEqual(digest(given), expected);
}

/** The session a request's cookie names, if it is still valid. */
export async function sessionOf(store: Store, cookie: string | undefined): Promise<{ csrfToken: string } | undefined> {
  if (!cookie) return undefined;
  const session = await store.sessions.get(sessionKey(cookie));
  return session && session.expiresAt.getTime() > Date.now() ? session : undefined;
}

/**
 * An onRequest hook for `/api`: scripts, adapters and imports send `Authorization: Bearer <admin
 * token>`; the dashboard's pages send their session cookie instead, and for anything but a read
 * also the session's CSRF token, so another site cannot make a logged-in browser change data.
 * Comparing digests in constant time keeps the token's length and prefix from leaking.
 */
export function requireAdmin(adminToken: string, store: Store) {
  const expected = digest(adminToken);
  return async function checkAdmin(request: FastifyRequest): Promise<void> {
    const header = request.headers.authorization;
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!match) throw new AppError('AUTH_REQUIRED');
      if (!sameSecret(match[1]!, expected)) {
        request.log.warn({ ip: request.ip }, 'wrong admin token');
        throw new AppError('AUTH_INVALID');
      }
      return;
    }
    const cookie = request.cookies[SESSION_COOKIE];
    const session = await sessionOf(store, cookie);
    if (!session) throw new AppError(cookie ? 'SESSION_EXPIRED' : 'AUTH_REQUIRED');
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      const given = request.headers[CSRF_HEADER];
      if (typeof given !== 'string' || !sameSecret(given, digest(session.csrfToken))) throw new AppError('CSRF_INVALID');
    }
  };
}

/** The admin token a login form sent, checked in constant time. */
export function isAdminToken(given: string, adminToken: string): boolean {
  return sameSecret(given, digest(adminToken));
}
