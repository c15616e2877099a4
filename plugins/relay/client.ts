/**
 * A websocket client for a capture tool the streamer runs (a browser extension or desktop
 * helper reading a platform's web chat): it connects to `config.url` and reads JSON lines, one
 * chat event each. This is how Nongbo reads platforms without an open chat API.
 *
 *   {"id":"…","user":{"id":"…","name":"…"},"text":"买3号","ts":1732790000000}
 *   {"type":"gift","id":"…","user":{…},"gift":"小心心","count":3}
 *   {"type":"like","count":12}   {"type":"viewers","count":345}
 */
import { Type } from 'typebox';
import WebSocket from 'ws';
import type { AdapterContext, PlatformEvent, PlatformPlugin } from '../../src/adapters/plugin.ts';

export interface RelayConfig {
  url: string;
  /** Sent as `Authorization: Bearer …` when the capture tool asks for one. */
  token?: string;
  pingMs?: number;
}

export const relayConfigSchema = Type.Object({
  url: Type.String({ pattern: '^wss?://' }),
  token: Type.Optional(Type.String({ maxLength: 500 })),
  pingMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 60_000 })),
});

const utf8 = new TextDecoder('utf-8', { fatal: true });

const str = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined);

/** One relay line to an event; `undefined` when the line is not of a shape the relay format has. */
export function relayEvent(line: unknown, now = new Date()): PlatformEvent | undefined {
  if (typeof line !== 'object' || line === null || Array.isArray(line)) return undefined;
  const o = line as Record<string, unknown>;
  const type = o.type ?? 'chat';
  const tsValue = typeof o.ts === 'number' ? o.ts : typeof o.ts === 'string' ? Date.parse(o.ts) : NaN;
  const sentAt = Number.isFinite(tsValue) && tsValue > 0 ? new Date(tsValue) : now;
  const u = o.user as Record<string, unknown> | undefined;
  const user = u && str(u.id) ? { id: str(u.id)!, name: str(u.name) ?? '' } : undefined;
  switch (type) {
    case 'chat': {
      const id = str(o.id);
      const text = str(o.text);
      if (!id || !user || text === undefined) return undefined;
      return { kind: 'chat', messageId: id, user, text, sentAt, raw: line };
    }
    case 'gift': {
      const id = str(o.id);
      if (!id || !user) return undefined;
      const count = typeof o.count === 'number' ? o.count : 1;
      return { kind: 'gift', messageId: id, user, gift: str(o.gift) ?? '', count, sentAt, raw: line };
    }
    case 'like':
      return typeof o.count === 'number' ? { kind: 'like', count: o.count, sentAt } : undefined;
    case 'viewers':
      return typeof o.count === 'number' ? { kind: 'viewers', count: o.count, sentAt } : undefined;
    default:
      return undefined;
  }
}

export function createRelayAdapter(ctx: AdapterContext<RelayConfig>) {
  const { config, log } = ctx;
  let ws: WebSocket | undefined;
  let ping: NodeJS.Timeout | undefined;
  let badLines = 0;
  return {
    open() {
      ws = new WebSocket(config.url, {
        maxPayload: 4 * 1024 * 1024,
        handshakeTimeout: 15_000,
        headers: config.token ? { authorization: `Bearer ${config.token}` } : {},
      });
      ws.on('open', () => {
        ctx.live();
        ping = setInterval(() => ws?.readyState === WebSocket.OPEN && ws.ping(), config.pingMs ?? 20_000);
        ping.unref();
      });
      ws.on('pong', () => ctx.alive());
      ws.on('message', (data: Buffer) => {
        ctx.alive();
        let frame: string;
        try {
          frame = utf8.decode(data);
        } catch {
          if (badLines++ < 20) log.warn('relay frame dropped: not UTF-8');
          return;
        }
        for (const text of frame.split('\n')) {
          if (!text.trim()) continue;
          let event: PlatformEvent | undefined;
          try {
            event = relayEvent(JSON.parse(text));
          } catch {
            event = undefined;
          }
          if (event) ctx.emit(event);
          else if (badLines++ < 20) log.warn({ line: text.slice(0, 200) }, 'relay line dropped: not a chat event');
        }
      });
      ws.on('unexpected-response', (_req, res) => {
        // 401/403 from the capture tool: the token is wrong, and retrying will not fix it.
        ctx.closed(`the relay answered ${res.statusCode}`, res.statusCode === 401 || res.statusCode === 403);
      });
      ws.on('error', (err) => ctx.closed(err.message));
      ws.on('close', (code) => {
        clearInterval(ping);
        ctx.closed(`websocket closed (${code})`);
      });
    },
    pause: () => ws?.pause(),
    resume: () => ws?.resume(),
    async close() {
      clearInterval(ping);
      ws?.removeAllListeners();
      ws?.on('error', () => {});
      ws?.terminate();
    },
  };
}

/** The relay plugin for `platform`: the generic one, or a platform read through a capture tool. */
export function relayPlugin(platform: string, label: string): PlatformPlugin<RelayConfig> {
  return { platform, label, configSchema: relayConfigSchema, silenceMs: 65_000, create: createRelayAdapter };
}
