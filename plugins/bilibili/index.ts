/**
 * Bilibili live chat through the web danmaku websocket (blivedm's protocol): auth with op 7 and
 * wait for op 8, heartbeat with op 2 every 30 s (the reply, op 3, carries the popularity count),
 * chat and gifts in op 5. The websocket URL and the auth key come from the room's configuration
 * (`config.url`, `config.key`), so no call to the public room-info API is needed.
 */
import { Type } from 'typebox';
import WebSocket from 'ws';
import { definePlugin } from '../../src/adapters/plugin.ts';
import { decode, encode, FrameError, Op, Ver } from './codec.ts';
import { toEvents } from './messages.ts';

const DEFAULT_URL = 'wss://broadcastlv.chat.bilibili.com/sub';
const utf8 = new TextDecoder('utf-8', { fatal: true });

interface BilibiliConfig {
  roomId: number | string;
  key?: string;
  uid?: number;
  url?: string;
  heartbeatMs?: number;
}

export default definePlugin<BilibiliConfig>({
  platform: 'bilibili',
  label: '哔哩哔哩',
  configSchema: Type.Object({
    roomId: Type.Union([Type.Integer({ minimum: 1 }), Type.String({ pattern: '^[0-9]{1,15}$' })]),
    key: Type.Optional(Type.String({ maxLength: 4000 })),
    uid: Type.Optional(Type.Integer({ minimum: 0 })),
    url: Type.Optional(Type.String()),
    heartbeatMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 60_000 })),
  }),
  // Three missed heartbeat replies.
  silenceMs: 95_000,
  create(ctx) {
    const { config, log } = ctx;
    let ws: WebSocket | undefined;
    let heartbeat: NodeJS.Timeout | undefined;
    let badFrames = 0;

    const stopHeartbeat = () => clearInterval(heartbeat);

    const onPacket = (op: number, ver: number, body: Buffer) => {
      switch (op) {
        case Op.authReply: {
          let code: unknown;
          try {
            code = (JSON.parse(body.toString('utf8')) as { code?: unknown }).code;
          } catch {
            code = 'unreadable';
          }
          if (code !== 0) return ctx.closed(`authentication refused (code ${String(code)})`, true);
          ctx.live();
          heartbeat = setInterval(() => ws?.readyState === WebSocket.OPEN && ws.send(encode(Op.heartbeat)), config.heartbeatMs ?? 30_000);
          heartbeat.unref();
          return;
        }
        case Op.heartbeatReply:
          ctx.alive();
          if (body.length >= 4) ctx.emit({ kind: 'viewers', count: body.readUInt32BE(0), sentAt: new Date() });
          return;
        case Op.message: {
          if (ver !== Ver.json) return ctx.unknown(`op5/ver${ver}`);
          let json: unknown;
          try {
            // Invalid UTF-8 is refused, not patched with U+FFFD: chat text is stored verbatim.
            json = JSON.parse(utf8.decode(body));
          } catch {
            if (badFrames++ < 20) log.warn('bilibili message dropped: not UTF-8 JSON');
            return;
          }
          const result = toEvents(config.roomId, json);
          if ('skip' in result) return ctx.unknown(result.skip);
          for (const event of result.events) ctx.emit(event);
          return;
        }
        default:
          ctx.unknown(`op${op}`);
      }
    };

    return {
      open() {
        ws = new WebSocket(config.url ?? DEFAULT_URL, { maxPayload: 16 * 1024 * 1024, handshakeTimeout: 15_000 });
        ws.on('open', () => {
          ws!.send(encode(Op.auth, { uid: config.uid ?? 0, roomid: Number(config.roomId), protover: 3, platform: 'web', type: 2, key: config.key ?? '' }));
        });
        ws.on('message', (data: Buffer) => {
          ctx.alive();
          let packets;
          try {
            packets = decode(Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer));
          } catch (err) {
            // A bad frame is dropped whole; the connection and the frames after it are fine. An
            // error the codec did not foresee is logged louder, but a frame must never end the process.
            if (err instanceof FrameError) {
              if (badFrames++ < 20) log.warn({ reason: err.message }, 'bilibili frame dropped');
            } else log.error({ err }, 'bilibili frame dropped: the decoder failed');
            return;
          }
          for (const p of packets) onPacket(p.op, p.ver, p.body);
        });
        ws.on('error', (err) => ctx.closed(err.message));
        ws.on('close', (code) => {
          stopHeartbeat();
          ctx.closed(`websocket closed (${code})`);
        });
      },
      pause: () => ws?.pause(),
      resume: () => ws?.resume(),
      async close() {
        stopHeartbeat();
        ws?.removeAllListeners();
        ws?.on('error', () => {});
        ws?.terminate();
      },
    };
  },
});
