import crypto from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';

const digest = (s: string) => crypto.createHash('sha256').update(s).digest();

/**
 * An onRequest hook that admits only `Authorization: Bearer <admin token>`. Comparing digests in
 * constant time keeps the token's length and prefix from leaking through timing.
 */
export function requireAdminToken(adminToken: string) {
  const expected = digest(adminToken);
  return async function checkAdminToken(request: FastifyRequest): Promise<void> {
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) throw new AppError('AUTH_REQUIRED');
    if (!crypto.timingSafeEqual(digest(match[1]!), expected)) {
      request.log.warn({ ip: request.ip }, 'wrong admin token');
      throw new AppError('AUTH_INVALID');
    }
  };
}
