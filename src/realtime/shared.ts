/**
 * What instances of a scale-out deployment tell each other and keep only while they run: each
 * room's connection state (the instance that runs the adapter writes it, any instance reads it),
 * the overlay's Q&A card and featured chat message, the latest chat for the panel, and the room
 * counters. With REDIS_URL it lives in Redis under keys namespaced by the database they serve;
 * without, in this process.
 */
import type { createClient } from 'redis';
import { StartupError } from '../errors.ts';
import type { Connection, RecentChat, RoomStats } from '../rooms/runtime.ts';
import type { FeaturedChat, QaCard } from './overlay-state.ts';

export type RedisClient = ReturnType<typeof createClient<{}, {}, {}, 3, {}>>;

export interface OverlayExtras {
  qa: QaCard | null;
  chat: FeaturedChat | null;
}

/** Writes return nothing when they are done at once (in this process), a promise when they travel. */
type Written = void | Promise<void>;

export interface SharedState {
  setConnection(roomId: number, connection: Connection): Written;
  /** The state the owning instance last wrote; undefined when no instance runs the room. */
  connection(roomId: number): Promise<Connection | undefined>;
  setOverlay(roomId: number, patch: Partial<OverlayExtras>): Promise<void>;
  overlay(roomId: number): Promise<OverlayExtras>;
  recordChat(roomId: number, message: RecentChat): Written;
  recentChat(roomId: number, limit: number): Promise<RecentChat[]>;
  count(roomId: number, kind: keyof RoomStats, by: number): Written;
  stats(roomId: number): Promise<RoomStats>;
}

const RECENT_CHAT = 200;
/** A connection state not refreshed for this long belongs to an instance that is gone. */
const CONNECTION_TTL_S = 30;

const zeroStats = (): RoomStats => ({ messages: 0, orders: 0, questions: 0 });

export class LocalState implements SharedState {
  private readonly connections = new Map<number, Connection>();
  private readonly overlays = new Map<number, OverlayExtras>();
  private readonly chat = new Map<number, RecentChat[]>();
  private readonly counters = new Map<number, RoomStats>();

  // Every chat message records and counts: no promise for what is done at once.
  setConnection(roomId: number, connection: Connection) {
    this.connections.set(roomId, connection);
  }
  async connection(roomId: number) {
    return this.connections.get(roomId);
  }
  async setOverlay(roomId: number, patch: Partial<OverlayExtras>) {
    this.overlays.set(roomId, { ...(await this.overlay(roomId)), ...patch });
  }
  async overlay(roomId: number) {
    return this.overlays.get(roomId) ?? { qa: null, chat: null };
  }
  recordChat(roomId: number, message: RecentChat) {
    const list = this.chat.get(roomId) ?? [];
    list.push(message);
    // Trimmed in steps of RECENT_CHAT, not on every message: a busy room records thousands a second.
    if (list.length >= 2 * RECENT_CHAT) list.splice(0, list.length - RECENT_CHAT);
    this.chat.set(roomId, list);
  }
  async recentChat(roomId: number, limit: number) {
    return (this.chat.get(roomId) ?? []).slice(-Math.min(limit, RECENT_CHAT)).reverse();
  }
  count(roomId: number, kind: keyof RoomStats, by: number) {
    const stats = this.counters.get(roomId) ?? zeroStats();
    stats[kind] += by;
    this.counters.set(roomId, stats);
  }
  async stats(roomId: number) {
    return { ...(this.counters.get(roomId) ?? zeroStats()) };
  }
}

export class RedisState implements SharedState {
  constructor(
    private readonly redis: RedisClient,
    /** Every key starts with this: `nongbo:<host:port/database>:`. */
    private readonly prefix: string,
  ) {}

  private key(...parts: (string | number)[]) {
    return `${this.prefix}${parts.join(':')}`;
  }

  async setConnection(roomId: number, connection: Connection) {
    await this.redis.set(this.key('connection', roomId), JSON.stringify(connection), { EX: CONNECTION_TTL_S });
  }
  async connection(roomId: number) {
    const text = await this.redis.get(this.key('connection', roomId));
    return text ? (JSON.parse(text) as Connection) : undefined;
  }
  async setOverlay(roomId: number, patch: Partial<OverlayExtras>) {
    const fields = Object.fromEntries(Object.entries(patch).map(([k, v]) => [k, JSON.stringify(v)]));
    await this.redis.hSet(this.key('overlay', roomId), fields);
  }
  async overlay(roomId: number) {
    const fields = await this.redis.hGetAll(this.key('overlay', roomId));
    return { qa: fields.qa ? JSON.parse(fields.qa) : null, chat: fields.chat ? JSON.parse(fields.chat) : null };
  }
  async recordChat(roomId: number, message: RecentChat) {
    const key = this.key('chat', roomId);
    await this.redis.multi().lPush(key, JSON.stringify(message)).lTrim(key, 0, RECENT_CHAT - 1).exec();
  }
  async recentChat(roomId: number, limit: number) {
    const items = await this.redis.lRange(this.key('chat', roomId), 0, limit - 1);
    return items.map((text) => {
      const m = JSON.parse(text) as RecentChat & { sentAt: string };
      return { ...m, sentAt: new Date(m.sentAt) };
    });
  }
  async count(roomId: number, kind: keyof RoomStats, by: number) {
    await this.redis.hIncrBy(this.key('stats', roomId), kind, by);
  }
  async stats(roomId: number) {
    const fields = await this.redis.hGetAll(this.key('stats', roomId));
    return { messages: Number(fields.messages ?? 0), orders: Number(fields.orders ?? 0), questions: Number(fields.questions ?? 0) };
  }
}

/**
 * Connects to Redis or refuses to start, naming where it looked. While Redis is away, commands
 * fail at once rather than queue (readers fall back, see RoomRuntime), and the client keeps
 * reconnecting, backing off to every 10 s.
 */
export async function connectRedis(url: string): Promise<RedisClient> {
  const { createClient } = await import('redis');
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: 5000, reconnectStrategy: (retries) => Math.min(500 * 2 ** retries, 10_000) },
  });
  // The client reconnects by itself; its errors are not the process's to die of.
  client.on('error', () => {});
  // At start the first failure is the answer: the client would otherwise keep retrying it.
  let timer: NodeJS.Timeout | undefined;
  const refused = new Promise<never>((_, reject) => {
    client.once('error', reject);
    timer = setTimeout(() => reject(new Error('no answer within 5 s')), 5000);
  });
  try {
    await Promise.race([client.connect(), refused]);
  } catch (err) {
    client.destroy();
    const where = new URL(url);
    throw new StartupError(`Redis at ${where.hostname}:${where.port || 6379} is not reachable: ${(err as Error).message || String(err)}`);
  } finally {
    clearTimeout(timer);
  }
  return client;
}
