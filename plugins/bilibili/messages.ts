import crypto from 'node:crypto';
import type { PlatformEvent } from '../../src/adapters/plugin.ts';

/** A Bilibili command: `cmd` names it, sometimes with suffixes (`DANMU_MSG:4:0:2:2:2:0`). */
interface Command {
  cmd?: unknown;
  info?: unknown;
  data?: Record<string, unknown>;
}

const str = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * A danmaku carries no message id, so one is derived from what makes it unique: the sender,
 * the send time to the millisecond and the text. The same packet delivered again after a
 * reconnect gets the same id.
 */
export function danmakuId(roomId: string | number, uid: string, sentMs: number, text: string): string {
  // One-shot hashing: the same digest as a Hash object, without building one per danmaku.
  return `bili:${crypto.hash('sha256', `${roomId}\0${uid}\0${sentMs}\0${text}`, 'hex').slice(0, 32)}`;
}

/**
 * One op-5 JSON body to platform events: DANMU_MSG is chat, SEND_GIFT and SUPER_CHAT_MESSAGE are
 * gifts, LIKE_INFO_V3_UPDATE likes, WATCHED_CHANGE viewers. Returns the command name when it is a
 * kind not handled here, or `invalid` when the body is not the shape it claims to be. `now` (for
 * tests) stands in for the time of events that carry none.
 */
export function toEvents(roomId: string | number, body: unknown, now?: Date): { events: PlatformEvent[] } | { skip: string } {
  if (typeof body !== 'object' || body === null) return { skip: 'invalid' };
  const c = body as Command;
  const cmd = str(c.cmd)?.split(':')[0];
  if (!cmd) return { skip: 'invalid' };
  switch (cmd) {
    case 'DANMU_MSG': {
      const info = c.info;
      if (!Array.isArray(info) || !Array.isArray(info[0]) || !Array.isArray(info[2])) return { skip: 'invalid' };
      const text = str(info[1]);
      const uid = str(info[2][0]);
      const name = str(info[2][1]) ?? '';
      const sentMs = num(info[0][4]) ?? now?.getTime() ?? Date.now();
      if (text === undefined || uid === undefined) return { skip: 'invalid' };
      return {
        events: [{ kind: 'chat', messageId: danmakuId(roomId, uid, sentMs, text), user: { id: uid, name }, text, sentAt: new Date(sentMs), raw: body }],
      };
    }
    case 'SEND_GIFT': {
      const d = c.data ?? {};
      const uid = str(d.uid);
      if (!uid) return { skip: 'invalid' };
      const ts = num(d.timestamp);
      const sentAt = ts ? new Date(ts * 1000) : (now ?? new Date());
      // total_coin is in 金瓜子: 1000 to the yuan.
      const coins = num(d.total_coin);
      return {
        events: [
          {
            kind: 'gift',
            messageId: str(d.tid) ?? `bili-gift:${uid}:${sentAt.getTime()}:${str(d.giftName)}`,
            user: { id: uid, name: str(d.uname) ?? '' },
            gift: str(d.giftName) ?? '',
            count: num(d.num) ?? 1,
            ...(coins !== undefined && d.coin_type === 'gold' && { valueFen: Math.round(coins / 10) }),
            sentAt,
            raw: body,
          },
        ],
      };
    }
    case 'SUPER_CHAT_MESSAGE': {
      const d = c.data ?? {};
      const user = (d.user_info ?? {}) as Record<string, unknown>;
      const uid = str(d.uid);
      if (!uid) return { skip: 'invalid' };
      const start = num(d.start_time);
      const price = num(d.price);
      return {
        events: [
          {
            kind: 'gift',
            messageId: `bili-sc:${str(d.id) ?? `${uid}:${start}`}`,
            user: { id: uid, name: str(user.uname) ?? '' },
            gift: '醒目留言',
            count: 1,
            ...(price !== undefined && { valueFen: Math.round(price * 100) }),
            text: str(d.message) ?? '',
            sentAt: start ? new Date(start * 1000) : (now ?? new Date()),
            raw: body,
          },
        ],
      };
    }
    case 'LIKE_INFO_V3_UPDATE': {
      const count = num(c.data?.click_count);
      return count === undefined ? { skip: 'invalid' } : { events: [{ kind: 'like', count, sentAt: now ?? new Date() }] };
    }
    case 'WATCHED_CHANGE': {
      const count = num(c.data?.num);
      return count === undefined ? { skip: 'invalid' } : { events: [{ kind: 'viewers', count, sentAt: now ?? new Date() }] };
    }
    default:
      return { skip: cmd };
  }
}
