/**
 * Twitch chat over IRC-over-websocket through tmi.js: anonymous and read-only by default, or with
 * an OAuth token (`config.token`, `config.username`) to reply. tmi.js does no send limiting of its
 * own; Twitch ignores a bot for 30 minutes past 20 messages in 30 s (100 as moderator or
 * broadcaster), so replies go through the room's outbound queue at that rate.
 */
import crypto from 'node:crypto';
import tmi from 'tmi.js';
import { Type } from 'typebox';
import { definePlugin } from '../../src/adapters/plugin.ts';

interface TwitchConfig {
  channel: string;
  url?: string;
  username?: string;
  token?: string;
  /** The bot is a moderator (or the broadcaster) in the channel: 100 messages per 30 s. */
  moderator?: boolean;
}

/** tmi.js reads `ws://host:port` as server and port; `wss` means port 443 to it. */
function connectionOf(url: string | undefined): tmi.Options['connection'] {
  if (!url) return { secure: true, reconnect: false };
  const u = new URL(url);
  const secure = u.protocol === 'wss:';
  return { server: u.hostname, port: Number(u.port) || (secure ? 443 : 80), secure, reconnect: false };
}

interface RawMessage {
  command?: string;
  prefix?: string | null;
  params?: string[];
  tags?: Record<string, unknown>;
}

/** IRCv3 tag escapes: `\s` space, `\:` semicolon, `\\` backslash, `\r` and `\n`. */
function unescapeTag(value: string): string {
  return value.replace(/\\(.)/g, (_, c: string) => ({ s: ' ', ':': ';', '\\': '\\', r: '\r', n: '\n' })[c] ?? c);
}

const AUTH_FAILURES = /authentication failed|improperly formatted auth|invalid nick|no response from twitch/i;

export default definePlugin<TwitchConfig>({
  platform: 'twitch',
  label: 'Twitch',
  configSchema: Type.Object({
    channel: Type.String({ pattern: '^#?[A-Za-z0-9_]{2,25}$' }),
    url: Type.Optional(Type.String()),
    username: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_]{2,25}$' })),
    token: Type.Optional(Type.String({ minLength: 10, maxLength: 200 })),
    moderator: Type.Optional(Type.Boolean()),
  }),
  // tmi.js pings every minute; two unanswered pings mean the connection is gone.
  silenceMs: 150_000,
  sendLimit: (config) => (config.token ? { messages: config.moderator ? 100 : 20, windowMs: 30_000 } : undefined),
  maxReplyLength: 500,
  create(ctx) {
    const { config, log } = ctx;
    const channel = `#${config.channel.replace(/^#/, '').toLowerCase()}`;
    const quiet = { info() {}, warn: (m: string) => log.debug({ tmi: m }), error: (m: string) => log.debug({ tmi: m }), setLevel() {}, getLevel: () => 'error' };
    const client = new tmi.Client({
      connection: connectionOf(config.url),
      identity: config.token ? { username: config.username ?? config.channel.replace(/^#/, ''), password: `oauth:${config.token.replace(/^oauth:/, '')}` } : undefined,
      channels: [channel],
      options: { skipUpdatingEmotesets: true, skipMembership: true },
      logger: quiet,
    });

    // tmi.js throws on some malformed lines (a PRIVMSG or CLEARCHAT without its parameters) from
    // inside its websocket listener, where nothing would catch it and the process would die. Such
    // a line is dropped and logged; the lines around it in the same frame are still read.
    const guarded = client as unknown as { handleMessage(m: unknown): void; _onMessage(e: unknown): void };
    const handle = guarded.handleMessage.bind(client);
    const onMessage = guarded._onMessage.bind(client);
    let badLines = 0;
    const dropped = (err: unknown) => {
      if (badLines++ < 20) log.warn({ err: String(err) }, 'twitch line dropped: tmi.js could not read it');
    };
    guarded.handleMessage = (m) => {
      try {
        handle(m);
      } catch (err) {
        dropped(err);
      }
    };
    guarded._onMessage = (e) => {
      try {
        onMessage(e);
      } catch (err) {
        dropped(err);
      }
    };

    // PRIVMSGs are read from the raw parsed line: tmi.js later turns every tag valued "1" or "0"
    // into a boolean, which would turn user id 1 into `true`.
    client.on('raw_message', (raw: RawMessage) => {
      ctx.alive();
      if (raw.command !== 'PRIVMSG') return;
      const tags = raw.tags ?? {};
      const tag = (k: string) => (typeof tags[k] === 'string' ? unescapeTag(tags[k] as string) : undefined);
      const login = raw.prefix?.split('!')[0] ?? '';
      const userId = tag('user-id') || login || 'unknown';
      let text = raw.params?.[1] ?? '';
      const action = /^\u0001ACTION (.*)\u0001$/.exec(text);
      if (action) text = action[1]!;
      const sent = Number(tag('tmi-sent-ts'));
      const sentAt = Number.isFinite(sent) && sent > 0 ? new Date(sent) : new Date();
      // Every PRIVMSG from Twitch has an id tag; a hash of sender, time and text stands in otherwise.
      const messageId = tag('id') || `twitch:${crypto.createHash('sha256').update(`${userId}\0${sentAt.getTime()}\0${text}`).digest('hex').slice(0, 32)}`;
      const user = { id: userId, name: tag('display-name') || login };
      const bits = Number(tag('bits'));
      if (bits > 0) ctx.emit({ kind: 'gift', messageId: `${messageId}:bits`, user, gift: 'bits', count: bits, text, sentAt, raw: tags });
      ctx.emit({ kind: 'chat', messageId, user, text, sentAt, raw: tags });
    });
    // Twitch answers a JOIN with ROOMSTATE, anonymous or not: from then on the channel's chat flows.
    client.on('roomstate', () => ctx.live());
    client.on('disconnected', (reason) => ctx.closed(String(reason), AUTH_FAILURES.test(String(reason))));

    return {
      open: () => client.connect().then(() => undefined),
      async close() {
        client.removeAllListeners();
        client.on('disconnected', () => {});
        await Promise.resolve(client.disconnect()).catch(() => {});
      },
      send: async (text) => {
        await client.say(channel, text);
      },
    };
  },
});
