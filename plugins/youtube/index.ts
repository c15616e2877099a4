/**
 * YouTube live chat through the Data API's liveChatMessages.list, polled at the interval the API
 * asks for (`pollingIntervalMillis`) and resumed from `nextPageToken`, also across reconnects.
 * Replies use liveChatMessages.insert, which needs an OAuth access token.
 * https://developers.google.com/youtube/v3/live/docs/liveChatMessages/list
 */
import { Type } from 'typebox';
import type { AdapterContext, PlatformEvent } from '../../src/adapters/plugin.ts';
import { definePlugin } from '../../src/adapters/plugin.ts';

interface YoutubeConfig {
  liveChatId: string;
  apiKey?: string;
  accessToken?: string;
  /** API base, `https://www.googleapis.com` by default. */
  url?: string;
}

interface ChatItem {
  id?: unknown;
  snippet?: {
    type?: unknown;
    publishedAt?: unknown;
    displayMessage?: unknown;
    textMessageDetails?: { messageText?: unknown };
    superChatDetails?: { amountMicros?: unknown; currency?: unknown; userComment?: unknown; amountDisplayString?: unknown };
  };
  authorDetails?: { channelId?: unknown; displayName?: unknown };
}

/**
 * Where each chat left off, so a reconnect does not read the backlog twice. Keyed by room and
 * live chat: a room reused for the next broadcast starts that chat from its first page.
 */
const pageTokens = new Map<string, string>();

/**
 * A page holds at most 2,000 messages (maxResults) of a few hundred bytes each; a body past this
 * is not a page, and reading it whole (fetch unzips as it reads) took the process to 950 MB.
 */
const MAX_BODY_BYTES = 8 * 1024 * 1024;
/**
 * Bounds on the interval the API asks for: 0 polled ~270 times a second, more than 2^31 ms is
 * read by Node as 1 ms, and a wait past the room's silence watchdog (60 s) looked like a dead loop.
 */
const MIN_POLL_MS = 250;
/** With a poll's own 15 s timeout, still inside the 60 s watchdog. */
const MAX_POLL_MS = 40_000;

/** The body as text, or undefined once it passes `MAX_BODY_BYTES` (the rest is not read). */
async function cappedText(res: Response): Promise<string | undefined> {
  if (Number(res.headers.get('content-length')) > MAX_BODY_BYTES || !res.body) {
    await res.body?.cancel();
    return res.body ? undefined : '';
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += chunk.byteLength;
    // Leaving the loop cancels the stream: the rest is never downloaded nor unzipped.
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** API errors that retrying will not fix: the chat is gone, or the key or token is refused. */
const FATAL_REASONS = new Set(['liveChatEnded', 'liveChatDisabled', 'liveChatNotFound', 'forbidden', 'quotaExceeded', 'keyInvalid', 'authError', 'insufficientPermissions']);

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

export function youtubeEvent(item: ChatItem): PlatformEvent | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const id = str(item.id);
  const type = str(item.snippet?.type);
  const channelId = str(item.authorDetails?.channelId);
  if (!id || !channelId || !item.snippet) return undefined;
  const published = Date.parse(str(item.snippet.publishedAt) ?? '');
  const sentAt = Number.isFinite(published) ? new Date(published) : new Date();
  const user = { id: channelId, name: str(item.authorDetails?.displayName) ?? '' };
  if (type === 'textMessageEvent') {
    const text = str(item.snippet.textMessageDetails?.messageText) ?? str(item.snippet.displayMessage);
    return text === undefined ? undefined : { kind: 'chat', messageId: id, user, text, sentAt, raw: item };
  }
  if (type === 'superChatEvent') {
    const sc = item.snippet.superChatDetails ?? {};
    const micros = Number(sc.amountMicros);
    return {
      kind: 'gift',
      messageId: id,
      user,
      gift: str(sc.amountDisplayString) ?? 'Super Chat',
      count: 1,
      // Only a CNY amount is fen; other currencies are left as the display string says.
      ...(sc.currency === 'CNY' && Number.isFinite(micros) && { valueFen: Math.round(micros / 10_000) }),
      text: str(sc.userComment) ?? '',
      sentAt,
      raw: item,
    };
  }
  return undefined;
}

function endpoint(config: YoutubeConfig, params: Record<string, string>): string {
  const url = new URL('/youtube/v3/liveChat/messages', config.url ?? 'https://www.googleapis.com');
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  if (config.apiKey) url.searchParams.set('key', config.apiKey);
  return url.toString();
}

function createPoller(ctx: AdapterContext<YoutubeConfig>) {
  const { config, room } = ctx;
  const resumeKey = `${room.id}:${config.liveChatId}`;
  const headers: Record<string, string> = config.accessToken ? { authorization: `Bearer ${config.accessToken}` } : {};
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let first = true;

  const poll = async (): Promise<void> => {
    const pageToken = pageTokens.get(resumeKey);
    let res: Response;
    try {
      res = await fetch(endpoint(config, { liveChatId: config.liveChatId, part: 'id,snippet,authorDetails', maxResults: '2000', ...(pageToken && { pageToken }) }), {
        headers,
        signal: AbortSignal.timeout(15_000),
      });
    } catch (err) {
      return ctx.closed(`YouTube did not answer: ${(err as Error).message}`);
    }
    if (closed) return;
    type Page = { items?: unknown; nextPageToken?: unknown; pollingIntervalMillis?: unknown; offlineAt?: unknown; error?: { errors?: { reason?: unknown }[] } };
    let text: string | undefined;
    try {
      text = await cappedText(res);
    } catch (err) {
      return ctx.closed(`YouTube's answer broke off: ${(err as Error).message}`);
    }
    if (closed) return;
    if (text === undefined) return ctx.closed(`YouTube answered ${res.status} with more than ${MAX_BODY_BYTES} bytes`);
    let body: Page | undefined;
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) body = parsed as Page;
    } catch {
      // Not JSON: decided on the status below.
    }
    // The status first: a 401 is fatal whatever its body says (an HTML page from a proxy, say).
    if (!res.ok) {
      const reason = str(body?.error?.errors?.[0]?.reason) ?? String(res.status);
      return ctx.closed(`YouTube refused: ${reason}`, FATAL_REASONS.has(reason) || res.status === 401);
    }
    if (!body) return ctx.closed(`YouTube answered ${res.status} with something that is not JSON (or not an object)`);
    if (first) {
      first = false;
      ctx.live();
    }
    ctx.alive();
    const items = Array.isArray(body.items) ? (body.items as ChatItem[]) : [];
    for (const [i, item] of items.entries()) {
      // A page is read 500 items a turn of the event loop, as the relay reads its frames: a page
      // of tens of thousands held the whole server for seconds.
      if (i > 0 && i % 500 === 0) {
        await new Promise((resolve) => setImmediate(resolve));
        if (closed) return;
      }
      if (item?.snippet?.type === 'chatEndedEvent') {
        pageTokens.delete(resumeKey);
        return ctx.closed('the live chat has ended', true);
      }
      const event = youtubeEvent(item);
      if (event) ctx.emit(event);
      else ctx.unknown(`youtube:${String(item?.snippet?.type)}`);
    }
    if (typeof body.nextPageToken === 'string') pageTokens.set(resumeKey, body.nextPageToken);
    if (typeof body.offlineAt === 'string') {
      pageTokens.delete(resumeKey);
      return ctx.closed('the live chat has ended', true);
    }
    // The API says how soon it may be asked again; asking sooner costs quota and gets refused.
    const asked = typeof body.pollingIntervalMillis === 'number' && Number.isFinite(body.pollingIntervalMillis) ? body.pollingIntervalMillis : 5000;
    const wait = Math.min(MAX_POLL_MS, Math.max(MIN_POLL_MS, asked));
    timer = setTimeout(() => poll().catch((err: Error) => ctx.closed(err.message)), wait);
    timer.unref();
  };

  return {
    open: () => poll(),
    async close() {
      closed = true;
      clearTimeout(timer);
    },
    async send(text: string) {
      const res = await fetch(endpoint(config, { part: 'snippet' }), {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ snippet: { liveChatId: config.liveChatId, type: 'textMessageEvent', textMessageDetails: { messageText: text } } }),
        signal: AbortSignal.timeout(15_000),
      });
      if (!res.ok) throw new Error(`YouTube refused the reply: ${res.status}`);
    },
  };
}

export default definePlugin<YoutubeConfig>({
  platform: 'youtube',
  label: 'YouTube',
  configSchema: Type.Object({
    liveChatId: Type.String({ minLength: 1, maxLength: 200 }),
    apiKey: Type.Optional(Type.String({ maxLength: 200 })),
    accessToken: Type.Optional(Type.String({ maxLength: 4000 })),
    url: Type.Optional(Type.String()),
  }),
  // Polls come every few seconds; a minute without one means the loop is stuck.
  silenceMs: 60_000,
  sendLimit: (config) => (config.accessToken ? { messages: 20, windowMs: 30_000 } : undefined),
  maxReplyLength: 200,
  create: createPoller,
});
