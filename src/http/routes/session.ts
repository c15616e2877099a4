import crypto from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '../../errors.ts';
import { LoginFailures } from '../login-failures.ts';
import { isAdminToken, SESSION_COOKIE, SESSION_DAYS, sessionKey, sessionOf } from '../auth.ts';

const WINDOW_MS = 60_000;
const MAX_FAILURES = 10;

/**
 * Logging in to the control panel and the dashboard: the admin token, once, for an httpOnly,
 * SameSite=Strict cookie. Wrong tokens are throttled per address.
 */
const session: FastifyPluginAsyncTypebox = async (app) => {
  const failures = new LoginFailures(WINDOW_MS, MAX_FAILURES);
  const secure = (app.config.publicUrl ?? '').startsWith('https://');

  app.post('/api/session', { schema: { body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 500 }) }, { additionalProperties: false }) } }, async (req, reply) => {
    const now = Date.now();
    if (failures.throttled(req.ip, now)) throw new AppError('LOGIN_THROTTLED');
    if (!isAdminToken(req.body.token, app.adminToken.token)) {
      failures.record(req.ip, now);
      req.log.warn({ ip: req.ip }, 'wrong admin token at login');
      throw new AppError('AUTH_INVALID');
    }
    failures.clear(req.ip);
    const id = crypto.randomBytes(32).toString('base64url');
    const csrfToken = crypto.randomBytes(24).toString('base64url');
    const expiresAt = new Date(now + SESSION_DAYS * 86_400_000);
    await app.store.sessions.create({ idHash: sessionKey(id), csrfToken, createdAt: new Date(now), expiresAt });
    reply.setCookie(SESSION_COOKIE, id, { httpOnly: true, sameSite: 'strict', secure, path: '/', expires: expiresAt });
    return { csrfToken };
  });

  // Pages ask for their CSRF token here; a 401 sends them to the login page.
  app.get('/api/session', async (req) => {
    const found = await sessionOf(app.store, req.cookies[SESSION_COOKIE]);
    if (!found) throw new AppError(req.cookies[SESSION_COOKIE] ? 'SESSION_EXPIRED' : 'AUTH_REQUIRED');
    return { csrfToken: found.csrfToken };
  });

  app.delete('/api/session', async (req, reply) => {
    const cookie = req.cookies[SESSION_COOKIE];
    if (cookie) {
      await app.store.sessions.remove(sessionKey(cookie));
      // A panel left open must stop receiving orders and buyer names too.
      app.realtime.endSession(sessionKey(cookie));
    }
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.code(204).send();
  });
};

export default session;
