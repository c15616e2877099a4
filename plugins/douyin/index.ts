/**
 * Douyin through its open platform's push of live-room data for approved live-interaction apps
 * (直播小玩法): after the app starts a push task for a room, Douyin POSTs comments, gifts and likes
 * to our callback, `/hooks/douyin/live`, signed with the app secret (see signature.ts). The room
 * is matched by `x-roomid` against `config.roomId`. Scraped web protocols break whenever Douyin
 * changes its signatures; this route does not.
 * https://developer.open-douyin.com/docs/resource/zh-CN/interaction/develop/server/live-room-scope/data-open/data-open-desc
 */
import { Type } from 'typebox';
import type { PlatformEvent } from '../../src/adapters/plugin.ts';
import { definePlugin } from '../../src/adapters/plugin.ts';
import { AppError } from '../../src/errors.ts';
import { douyinSignature, signatureMatches } from './signature.ts';

interface DouyinConfig {
  /** Douyin's live room id, as `x-roomid` carries it. */
  roomId: string | number;
  /** The app secret from the developer console. */
  secret: string;
  /** A different secret per message type, where the app was set up that way. */
  secrets?: Partial<Record<'live_comment' | 'live_gift' | 'live_like', string>>;
}

const str = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined);

/** One pushed payload to an event; undefined for a shape the documentation does not give. */
export function douyinEvent(msgType: string, p: Record<string, unknown>): PlatformEvent | undefined {
  const ts = typeof p.timestamp === 'number' && p.timestamp > 0 ? new Date(p.timestamp) : new Date();
  const id = str(p.msg_id);
  const openid = str(p.sec_openid);
  const user = openid ? { id: openid, name: str(p.nickname) ?? '' } : undefined;
  switch (msgType) {
    case 'live_comment': {
      const text = str(p.content);
      return id && user && text !== undefined ? { kind: 'chat', messageId: id, user, text, sentAt: ts, raw: p } : undefined;
    }
    case 'live_gift':
      return id && user
        ? {
            kind: 'gift',
            messageId: id,
            user,
            gift: str(p.sec_gift_id) ?? '',
            count: typeof p.gift_num === 'number' ? p.gift_num : 1,
            // gift_value is the total value in fen.
            ...(typeof p.gift_value === 'number' && { valueFen: p.gift_value }),
            sentAt: ts,
            raw: p,
          }
        : undefined;
    case 'live_like':
      return typeof p.like_num === 'number' ? { kind: 'like', count: p.like_num, ...(user && { user }), sentAt: ts } : undefined;
    default:
      return undefined;
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    rawBody?: Buffer;
  }
}

export default definePlugin<DouyinConfig>({
  platform: 'douyin',
  label: '抖音',
  configSchema: Type.Object({
    // Douyin's ids run to 19 digits, past 2^53: as a JSON number they arrive rounded and no push
    // would ever match. A string is always exact; a number only while it is.
    roomId: Type.Union([Type.String({ minLength: 1, maxLength: 40 }), Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })]),
    secret: Type.String({ minLength: 1, maxLength: 200 }),
    secrets: Type.Optional(
      Type.Object(
        { live_comment: Type.Optional(Type.String()), live_gift: Type.Optional(Type.String()), live_like: Type.Optional(Type.String()) },
        { additionalProperties: false },
      ),
    ),
  }),
  // Douyin pushes when there is something to push; a quiet room is not a dead one.
  silenceMs: Number.POSITIVE_INFINITY,
  create: (ctx) => ({ open: () => ctx.live(), close: async () => {} }),
  async hooks(app) {
    // The signature covers the exact bytes Douyin sent, so the body is kept raw.
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
      req.rawBody = body as Buffer;
      done(null, undefined);
    });

    app.post('/hooks/douyin/live', async (req, reply) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (k.startsWith('x-') && typeof v === 'string') headers[k] = v;
      const roomId = headers['x-roomid'];
      const msgType = headers['x-msg-type'] ?? '';
      const raw = req.rawBody ?? Buffer.alloc(0);
      const target = roomId ? await app.connections.find('douyin', (c) => String(c.roomId) === roomId) : undefined;
      if (!target) throw new AppError('HOOK_ROOM_UNKNOWN', `douyin room ${roomId ?? '(none)'}`);
      const config = target.room.config as unknown as DouyinConfig;
      // Own keys only: an x-msg-type of "constructor" must not find Object's.
      const secrets: Record<string, string | undefined> = config.secrets ?? {};
      const secret = (Object.hasOwn(secrets, msgType) ? secrets[msgType] : undefined) ?? config.secret;
      if (!signatureMatches(douyinSignature(headers, raw, secret), headers['x-signature'])) {
        req.log.warn({ roomId, msgType }, 'douyin push refused: bad signature');
        throw new AppError('HOOK_SIGNATURE_INVALID', 'douyin');
      }
      let payloads: unknown;
      try {
        payloads = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
      } catch {
        throw new AppError('MALFORMED_JSON', 'douyin push body');
      }
      const list = Array.isArray(payloads) ? payloads : [payloads];
      let taken = 0;
      for (const p of list) {
        if (typeof p !== 'object' || p === null) continue;
        // Douyin marks its own test pushes; they must not become real orders.
        if ((p as { test?: unknown }).test === true) continue;
        const event = douyinEvent(msgType, p as Record<string, unknown>);
        if (!event) continue;
        await target.deliver(event);
        taken++;
      }
      if (taken < list.length) req.log.info({ msgType, skipped: list.length - taken }, 'douyin push: payloads skipped');
      return reply.code(200).send({ ok: true, taken });
    });
  },
});
