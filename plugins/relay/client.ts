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

/**
 * Lines handled per turn of the event loop. One 4 MB frame holds some 50,000 lines: read in one go
 * they held the server for 1–3 s (no other room, page or overlay was served meanwhile).
 */
const LINES_PER_TURN = 500;

export function createRelayAdapter(ctx: AdapterContext<RelayConfig>) {
  const { config, log } = ctx;
  let ws: WebSocket | undefined;
  let ping: NodeJS.Timeout | undefined;
  let badLines = 0;
  /**
   * Frames whose lines are not all handled yet, in order, and how far into the first one we are
   * (an index, not splice: taking 500 lines off the front of 4 million moved the rest each time).
   * The socket is paused while there are any.
   */
  let frames: string[][] = [];
  let at = 0;
  let draining = false;
  /** The room asked for a pause: too many messages are being stored. */
  let held = false;

  const handleLine = (text: string) => {
    if (!text.trim()) return;
    let event: PlatformEvent | undefined;
    try {
      event = relayEvent(JSON.parse(text));
    } catch {
      event = undefined;
    }
    if (event) ctx.emit(event);
    else if (badLines++ < 20) log.warn({ line: text.slice(0, 200) }, 'relay line dropped: not a chat event');
  };
  const drain = () => {
    let handled = 0;
    while (handled < LINES_PER_TURN && frames.length > 0 && !held && ws) {
      const frame = frames[0]!;
      const line = frame[at++]!;
      // Blank lines cost next to nothing and do not count: a frame of newlines alone is millions.
      if (line.trim()) {
        handleLine(line);
        handled++;
      }
      if (at === frame.length) {
        frames.shift();
        at = 0;
      }
    }
    if (frames.length > 0 && !held && ws) return void setImmediate(drain);
    draining = false;
    // Reading resumes once every line is handled, unless the room still holds the adapter back.
    if (frames.length === 0 && !held) ws?.resume();
  };
  /**
   * Lines already received are handled before the room hears the connection is gone (after that
   * it ignores this adapter's events): received, they are not to be lost with the socket.
   */
  const finish = () => {
    const left = frames;
    frames = [];
    left[0] = left[0]?.slice(at) ?? [];
    at = 0;
    for (const frame of left) for (const line of frame) handleLine(line);
  };
  const startDraining = () => {
    if (draining || frames.length === 0) return;
    draining = true;
    ws?.pause();
    setImmediate(drain);
  };

  return {
    open() {
      frames = [];
      at = 0;
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
        const lines = frame.split('\n');
        // A frame of a few lines, with nothing waiting before it, is handled at once.
        if (!draining && !held && frames.length === 0 && lines.length <= LINES_PER_TURN) return lines.forEach(handleLine);
        frames.push(lines);
        startDraining();
      });
      ws.on('unexpected-response', (_req, res) => {
        // 401/403 from the capture tool: the token is wrong, and retrying will not fix it.
        ctx.closed(`the relay answered ${res.statusCode}`, res.statusCode === 401 || res.statusCode === 403);
      });
      ws.on('error', (err) => {
        finish();
        ctx.closed(err.message);
      });
      ws.on('close', (code) => {
        clearInterval(ping);
        finish();
        ctx.closed(`websocket closed (${code})`);
      });
    },
    pause: () => {
      held = true;
      ws?.pause();
    },
    resume: () => {
      held = false;
      if (frames.length > 0) startDraining();
      else ws?.resume();
    },
    async close() {
      clearInterval(ping);
      frames = [];
      ws?.removeAllListeners();
      ws?.on('error', () => {});
      ws?.terminate();
      ws = undefined;
    },
  };
}

/** The relay plugin for `platform`: the generic one, or a platform read through a capture tool. */
export function relayPlugin(platform: string, label: string): PlatformPlugin<RelayConfig> {
  return { platform, label, configSchema: relayConfigSchema, silenceMs: 65_000, create: createRelayAdapter };
}
