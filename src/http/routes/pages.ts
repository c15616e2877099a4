import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { PATHS } from '../../paths.ts';
import { OVERLAY_NAMES, type OverlayName } from '../../rooms/room.ts';
import { SESSION_COOKIE, sessionOf } from '../auth.ts';

const WEB = PATHS.web;
const OVERLAYS = PATHS.overlays;

const EMPTY_PAGE = '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>401</title></head><body></body></html>';

const html = (reply: FastifyReply, file: string) =>
  reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(fs.createReadStream(file));

/** Constant-time comparison of overlay tokens. */
function sameToken(a: string, b: string): boolean {
  const x = crypto.createHash('sha256').update(a).digest();
  const y = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(x, y);
}

/**
 * The pages people look at: OBS overlays (read with the room's overlay token), the phone control
 * panel and the cooperative dashboard (behind the login cookie), and their static assets.
 */
const pages: FastifyPluginAsync = async (app) => {
  await app.register(fastifyStatic, { root: WEB, prefix: '/web/', decorateReply: false, index: false });
  await app.register(fastifyStatic, { root: path.join(OVERLAYS, 'assets'), prefix: '/overlays/assets/', decorateReply: false, index: false });

  app.get('/', async (_req, reply) => reply.redirect('/panel'));
  app.get('/favicon.ico', async (_req, reply) => reply.redirect('/web/favicon.svg'));
  app.get('/login', async (_req, reply) => html(reply, path.join(WEB, 'login.html')));

  for (const page of ['panel', 'dashboard'] as const) {
    app.get(`/${page}`, async (req, reply) => {
      if (!(await sessionOf(app.store, req.cookies[SESSION_COOKIE]))) return reply.redirect(`/login?next=/${page}`);
      return html(reply, path.join(WEB, `${page}.html`));
    });
  }

  // A wrong or missing token, or another room's, gets 401 and an empty page: OBS shows nothing
  // (an empty body would make Chromium paint its own error page instead).
  app.get<{ Params: { name: string }; Querystring: { room?: string; token?: string } }>('/overlays/:name', async (req, reply) => {
    // `product.html` as well: the files are named so, and people paste what they see.
    const name = req.params.name.replace(/\.html$/, '') as OverlayName;
    if (!OVERLAY_NAMES.includes(name)) return reply.code(404).type('text/plain').send('');
    const roomId = Number(req.query.room);
    const room = Number.isSafeInteger(roomId) && roomId > 0 ? await app.store.rooms.get(roomId) : undefined;
    if (!room || typeof req.query.token !== 'string' || !sameToken(req.query.token, room.overlayToken)) {
      return reply.code(401).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(EMPTY_PAGE);
    }
    return html(reply, path.join(OVERLAYS, `${name}.html`));
  });
};

export { sameToken };
export default pages;
