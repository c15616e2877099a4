/**
 * Keeps each enabled room connected to its platform: one supervised adapter per room, its state
 * (`connecting`, `live`, `reconnecting`, `stopped`, `error`), reconnects with exponential backoff
 * and jitter, a watchdog for connections that go silent, and the path from platform events into
 * the chat pipeline and from its replies back out through the room's rate-limited queue.
 */
import crypto from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { ChatPipeline } from '../chat/pipeline.ts';
import { isPlausibleSentAt, type ChatMessage } from '../chat/message.ts';
import type { ParseResult } from '../orders/parser.ts';
import { AppError } from '../errors.ts';
import type { Events } from '../events.ts';
import type { Catalog } from '../products/catalog.ts';
import type { Room } from '../rooms/room.ts';
import type { Connection, RoomRuntime } from '../rooms/runtime.ts';
import type { Store } from '../store/store.ts';
import { OutboundQueue } from './outbound.ts';
import type { Adapter, ChatEvent, PlatformEvent, PlatformPlugin } from './plugin.ts';
import type { PluginRegistry } from './registry.ts';

export interface ConnectionDeps {
  store: Store;
  registry: PluginRegistry;
  runtime: RoomRuntime;
  pipeline: ChatPipeline;
  events: Events;
  catalog: Catalog;
  log: FastifyBaseLogger;
}

/** How often each instance checks which rooms it should run; a dead owner's rooms move within about this. */
const OWNERSHIP_ROUND_MS = 3000;
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 30_000;
/** A connection live this long counts as having worked: the next loss retries from the first step. */
const STABLE_MS = 10_000;
const CONNECT_TIMEOUT_MS = 20_000;
const DEFAULT_SILENCE_MS = 90_000;
/** Chat longer than this is not a message a person typed; the push route refuses it too. */
const MAX_TEXT = 2000;
/** Ids and names as the push route takes them. */
const MAX_ID = 200;
/** Message ids remembered per room to skip replays before they reach the database. */
const RECENT_IDS = 5000;
/** Messages being stored at once before the adapter stops reading, and where it starts again (chatter is settled at once and never waits). */
const HIGH_WATER = 2000;
const LOW_WATER = 500;

/** Exponential backoff with jitter: 0.5 s, 1 s, 2 s … up to 30 s, each scaled by 50–100 %. */
export function backoffMs(attempt: number, random = Math.random): number {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** attempt);
  return Math.round(ceiling * (0.5 + random() / 2));
}

/**
 * A bounded set of recently seen ids, oldest forgotten first. The order lives in a ring: taking
 * the oldest from the Set itself (`values().next()`) walks over every deleted slot V8 keeps until
 * it rehashes, and profiled at 8 % of the whole ingest pipeline. An id deleted and added again may
 * be forgotten early: the store's dedupe still catches the replay of anything stored, and a
 * replayed chatter line is only counted twice.
 */
class RecentIds {
  private readonly ids = new Set<string>();
  private readonly ring: (string | undefined)[];
  private next = 0;
  constructor(size: number) {
    this.ring = new Array<string | undefined>(size);
  }
  has(id: string): boolean {
    return this.ids.has(id);
  }
  add(id: string): void {
    if (this.ids.has(id)) return;
    const oldest = this.ring[this.next];
    if (oldest !== undefined) this.ids.delete(oldest);
    this.ring[this.next] = id;
    this.next = (this.next + 1) % this.ring.length;
    this.ids.add(id);
  }
  delete(id: string): void {
    this.ids.delete(id);
  }
}

class SupervisedRoom {
  private adapter: Adapter | undefined;
  /** Bumped on every (re)connect so that a dead adapter's late callbacks are ignored. */
  private generation = 0;
  private attempt = 0;
  /** When the current connection went live (0: it is not). */
  private liveSince = 0;
  /** Why the last attempt ended, shown while reconnecting. */
  private lastFailure = '';
  private stopped = false;
  private lastAlive = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private connectTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private readonly unknownKinds = new Set<string>();
  private inFlight = 0;
  private state: Connection['state'] = 'stopped';
  private paused = false;
  private readonly seen = new RecentIds(RECENT_IDS);
  /** Messages being stored now, by platform id, with whether they were. */
  private readonly storing = new Map<string, Promise<boolean>>();
  readonly outbound: OutboundQueue | undefined;

  constructor(
    public room: Room,
    private readonly plugin: PlatformPlugin,
    private readonly deps: ConnectionDeps,
    private readonly log: FastifyBaseLogger,
  ) {
    const limit = plugin.sendLimit?.(room.config);
    if (limit && room.config.replies !== false) {
      // Every line to chat (order replies, answers, the official's words) within the platform's length.
      const max = plugin.maxReplyLength ?? 500;
      this.outbound = new OutboundQueue(
        (text) => this.adapter?.send?.([...text].slice(0, max).join('')) ?? Promise.resolve(),
        limit,
        (err) => this.log.warn({ err }, 'reply not sent'),
      );
    }
  }

  private get silenceMs(): number {
    const configured = Number(this.room.config.watchdogMs);
    return configured > 0 ? configured : (this.plugin.silenceMs ?? DEFAULT_SILENCE_MS);
  }

  start(): void {
    this.stopped = false;
    this.open();
    const tick = Math.max(250, Math.min(10_000, this.silenceMs / 4));
    this.watchdog = setInterval(() => this.checkSilence(), tick);
    this.watchdog.unref();
  }

  /**
   * `handover`: another instance may already run the room, so its shared state is left alone for
   * the new owner to write.
   */
  async stop({ handover = false } = {}): Promise<void> {
    this.stopped = true;
    this.generation++;
    clearTimeout(this.retryTimer);
    clearTimeout(this.connectTimer);
    clearInterval(this.watchdog);
    this.outbound?.stop();
    const adapter = this.adapter;
    this.adapter = undefined;
    if (handover) this.deps.runtime.release(this.room.id);
    else this.setState({ state: 'stopped' });
    await adapter?.close().catch((err) => this.log.warn({ err }, 'adapter did not close cleanly'));
  }

  /**
   * Events a push hook received for this room, handled as if the adapter had read them; resolves
   * once stored, and rejects when the message could not be: the hook must then answer with an
   * error, so that the platform pushes it again (a 200 would have lost the order).
   */
  async deliver(event: PlatformEvent): Promise<void> {
    this.lastAlive = Date.now();
    if ((await this.handle(event)) === false) throw new AppError('DATABASE_UNAVAILABLE', 'the message was not stored');
  }

  private open(): void {
    const generation = ++this.generation;
    this.paused = false;
    const current = () => generation === this.generation && !this.stopped;
    // While retrying, the dashboard keeps showing why the last attempt failed.
    this.setState(this.attempt === 0 ? { state: 'connecting' } : { state: 'reconnecting', error: this.lastFailure });
    const ctx = {
      room: this.room,
      config: this.room.config,
      log: this.log,
      emit: (event: PlatformEvent) => {
        if (!current()) return;
        this.lastAlive = Date.now();
        // Inside the plugin's socket handler: whatever goes wrong here must not escape into it.
        try {
          this.handle(event)?.catch((err) => this.log.error({ err }, 'platform event not handled'));
        } catch (err) {
          this.log.error({ err }, 'platform event not handled');
        }
      },
      alive: () => {
        if (current()) this.lastAlive = Date.now();
      },
      live: () => {
        if (!current()) return;
        clearTimeout(this.connectTimer);
        this.liveSince = Date.now();
        this.lastAlive = Date.now();
        this.setState({ state: 'live' });
      },
      closed: (reason: string, fatal = false) => {
        if (current()) this.onClosed(reason, fatal);
      },
      unknown: (kind: string) => {
        if (this.unknownKinds.has(kind) || this.unknownKinds.size > 200) return;
        this.unknownKinds.add(kind);
        this.log.info({ kind }, 'skipping a message kind this adapter does not handle');
      },
      codes: () => this.deps.catalog.codes().then((c) => [...c]),
    };
    try {
      this.adapter = this.plugin.create(ctx);
      this.connectTimer = setTimeout(() => current() && this.onClosed('no answer from the platform', false), CONNECT_TIMEOUT_MS);
      this.connectTimer.unref();
      Promise.resolve(this.adapter.open()).catch((err: Error) => current() && this.onClosed(err.message, false));
    } catch (err) {
      // A plugin that refuses its configuration outright will not do better on a retry.
      this.onClosed((err as Error).message, true);
    }
  }

  private onClosed(closedBecause: string, fatal: boolean): void {
    // tmi.js reports a connection the server cut mid-line with an empty reason; the dashboard must still say why.
    const reason = closedBecause.trim() || 'the platform closed the connection without a reason';
    clearTimeout(this.connectTimer);
    const adapter = this.adapter;
    this.adapter = undefined;
    this.generation++;
    void adapter?.close().catch(() => {});
    if (fatal) {
      this.log.warn({ reason }, 'room adapter stopped with an error');
      this.setState({ state: 'error', error: reason });
      return;
    }
    this.lastFailure = reason;
    // Back to the first step only after a connection that held: one the server opens and drops
    // at once (or whose first page is poison) would otherwise be retried twice a second for ever.
    if (this.liveSince > 0 && Date.now() - this.liveSince >= STABLE_MS) this.attempt = 0;
    this.liveSince = 0;
    const delay = backoffMs(this.attempt++);
    this.log.info({ reason, retryInMs: delay, attempt: this.attempt }, 'room connection lost; reconnecting');
    this.setState({ state: 'reconnecting', error: reason });
    this.retryTimer = setTimeout(() => !this.stopped && this.open(), delay);
    this.retryTimer.unref();
  }

  private checkSilence(): void {
    this.deps.runtime.refresh(this.room.id);
    if (this.stopped || this.state !== 'live' || Date.now() - this.lastAlive <= this.silenceMs) return;
    this.onClosed(`silent for ${Math.round((Date.now() - this.lastAlive) / 1000)} s`, false);
  }

  private setState(connection: Connection): void {
    this.state = connection.state;
    this.deps.runtime.setConnection(this.room.id, connection);
    this.deps.events.emit('connection', { roomId: this.room.id, ...connection });
  }

  /** Undefined when the event was dealt with at once (chatter, a replay); a promise of whether it was stored when it is being stored. */
  private handle(event: PlatformEvent): Promise<boolean> | undefined {
    if (event.kind !== 'chat') {
      this.deps.events.emit('platform', { roomId: this.room.id, event });
      return undefined;
    }
    // A message still being stored: a push hook's retry (sent because the first attempt was slow)
    // must get that attempt's result, not an early "done".
    if (this.seen.has(event.messageId)) return this.storing.get(event.messageId);
    const message = toChatMessage(this.room, event, this.log);
    if (!message) return undefined;
    this.seen.add(event.messageId);
    let first: ReturnType<ChatPipeline['handleChatter']>;
    try {
      first = this.deps.pipeline.handleChatter(this.room, message);
    } catch (err) {
      this.seen.delete(event.messageId);
      throw err;
    }
    if (first.chatter) return undefined;
    const stored = this.store(event.messageId, message, first.parsed);
    this.storing.set(event.messageId, stored);
    void stored.finally(() => this.storing.delete(event.messageId));
    return stored;
  }

  /**
   * False when the message could not be stored (logged; its id forgotten so a replay gets through).
   * `seenAs`: the platform's id as `seen` holds it (the message's own may be its digest).
   */
  private async store(seenAs: string, message: ChatMessage, parsed: ParseResult | undefined): Promise<boolean> {
    if (++this.inFlight >= HIGH_WATER && !this.paused && this.adapter?.pause) {
      this.paused = true;
      this.adapter.pause();
    }
    try {
      const { outcome, replay } = await this.deps.pipeline.handle(this.room, message, parsed);
      if (!replay && outcome.reply && this.outbound) this.outbound.push(outcome.reply);
      return true;
    } catch (err) {
      // Not stored: forget the id so that the platform's replay can still get through.
      this.seen.delete(seenAs);
      this.log.error({ err, messageId: message.messageId }, 'chat message not processed');
      return false;
    } finally {
      if (--this.inFlight <= LOW_WATER && this.paused) {
        this.paused = false;
        this.adapter?.resume?.();
      }
    }
  }
}

/** A platform's chat event as the pipeline takes it, or undefined (logged) when it is too long to be chat. */
function toChatMessage(room: Room, event: ChatEvent, log: FastifyBaseLogger): ChatMessage | undefined {
  // Plugins normalize, but a platform can still slip a number or a lone surrogate through.
  const text = String(event.text).toWellFormed();
  if (text.length > MAX_TEXT) {
    log.info({ messageId: event.messageId, length: text.length }, 'chat message too long; dropped');
    return undefined;
  }
  const userId = String(event.user.id).toWellFormed().slice(0, MAX_ID);
  if (userId.trim() === '') {
    log.info({ messageId: event.messageId }, 'chat message without a sender; dropped');
    return undefined;
  }
  const receivedAt = new Date();
  // A 1 MB id tag would be stored with every order; a stable digest still tells replays apart.
  const messageId = event.messageId.length > MAX_ID ? `sha256:${crypto.hash('sha256', event.messageId, 'hex')}` : event.messageId;
  // A platform's clock field can hold anything (1e20): then the message is taken as sent when it arrived.
  const sentAt = isPlausibleSentAt(event.sentAt, receivedAt) ? event.sentAt : receivedAt;
  return {
    roomId: room.id,
    platform: room.platform,
    messageId,
    user: { id: userId, name: String(event.user.name).toWellFormed().slice(0, MAX_ID) },
    text,
    sentAt,
    receivedAt,
  };
}

/**
 * Runs the adapters of the enabled rooms this instance owns. Ownership is a lock in the store (an
 * advisory lock on PostgreSQL; the embedded engine has one instance, which owns every room): every
 * few seconds each instance takes the enabled rooms nobody holds, stops the rooms that were
 * disabled elsewhere, and restarts the ones whose settings changed. When an instance dies its locks
 * die with its database session, and another instance picks its rooms up on its next round.
 */
export class RoomConnections {
  private readonly rooms = new Map<number, SupervisedRoom>();
  private timer: NodeJS.Timeout | undefined;
  private balancing: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly deps: ConnectionDeps,
    private readonly roundMs = OWNERSHIP_ROUND_MS,
  ) {}

  /** Starts the rooms that were enabled when the server last stopped, then keeps ownership in balance. */
  async startEnabled(): Promise<void> {
    await this.balance();
    this.timer = setInterval(() => void this.balance(), this.roundMs);
    this.timer.unref();
  }

  /** Enables the room's adapter and starts it here, unless another instance already runs it. */
  async connect(roomId: number): Promise<Room> {
    const room = await this.deps.store.rooms.update(roomId, { enabled: true });
    if (!this.rooms.has(room.id) && (await this.deps.store.lockRoom(room.id))) this.start(room);
    return room;
  }

  /** Disables the room's adapter; the instance running it stops it (this one at once, another on its next round). */
  async disconnect(roomId: number): Promise<Room> {
    const room = await this.deps.store.rooms.update(roomId, { enabled: false });
    await this.drop(room.id);
    return room;
  }

  /** After a room's settings changed: a running adapter restarts with the new configuration. */
  async refresh(room: Room): Promise<void> {
    const running = this.rooms.get(room.id);
    if (!running) return;
    const configChanged = JSON.stringify(running.room.config) !== JSON.stringify(room.config);
    if (!configChanged) {
      running.room = room;
      return;
    }
    await running.stop();
    this.rooms.delete(room.id);
    this.start(room);
  }

  /**
   * For push hooks: the enabled room of a platform whose configuration matches. The platform may
   * push to any instance; one that does not run the room stores the events all the same (replies
   * go out only from the owner, which holds the room's outbound queue).
   */
  async find(platform: string, match: (config: Room['config']) => boolean): Promise<{ room: Room; deliver(event: PlatformEvent): Promise<void> } | undefined> {
    for (const supervised of this.rooms.values()) {
      if (supervised.room.platform === platform && match(supervised.room.config)) {
        return { room: supervised.room, deliver: (event) => supervised.deliver(event) };
      }
    }
    const room = (await this.allRooms()).find((r) => r.enabled && r.platform === platform && match(r.config));
    if (!room) return undefined;
    const log = this.deps.log.child({ roomId: room.id, platform });
    return {
      room,
      deliver: async (event) => {
        if (event.kind !== 'chat') return void this.deps.events.emit('platform', { roomId: room.id, event });
        const message = toChatMessage(room, event, log);
        if (message) await this.deps.pipeline.handle(room, message);
      },
    };
  }

  outboundOf(roomId: number): OutboundQueue | undefined {
    return this.rooms.get(roomId)?.outbound;
  }

  /** Stops every adapter here and lets the rooms go, for another instance (or the next start) to take. */
  async closeAll(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.balancing;
    await Promise.all([...this.rooms.keys()].map((id) => this.drop(id)));
  }

  /** One ownership round; never two at once, never after close. */
  balance(): Promise<void> {
    if (this.closed || this.balancing) return this.balancing ?? Promise.resolve();
    this.balancing = this.round()
      .catch((err) => this.deps.log.warn({ err }, 'room ownership round failed; retrying on the next'))
      .finally(() => (this.balancing = undefined));
    return this.balancing;
  }

  private async round(): Promise<void> {
    const { store, log } = this.deps;
    if (await store.roomLocksLost()) {
      log.warn({ rooms: [...this.rooms.keys()] }, 'lost the database session holding room ownership; stopping those rooms here');
      const lost = [...this.rooms.values()];
      this.rooms.clear();
      await Promise.all(lost.map((r) => r.stop({ handover: true })));
    }
    const rooms = await this.allRooms();
    const byId = new Map(rooms.map((r) => [r.id, r]));
    for (const [id, running] of this.rooms) {
      const room = byId.get(id);
      if (!room?.enabled) await this.drop(id);
      else if (JSON.stringify(room) !== JSON.stringify(running.room)) await this.refresh(room);
    }
    for (const room of rooms) {
      if (this.closed) return;
      if (!room.enabled || this.rooms.has(room.id) || !this.deps.registry.get(room.platform)) continue;
      if (await store.lockRoom(room.id)) {
        log.info({ roomId: room.id, platform: room.platform }, 'room taken over by this instance');
        this.start(room);
      }
    }
  }

  private async drop(roomId: number): Promise<void> {
    const running = this.rooms.get(roomId);
    if (!running) return;
    this.rooms.delete(roomId);
    await running.stop();
    this.deps.runtime.release(roomId);
    await this.deps.store.unlockRoom(roomId).catch((err) => this.deps.log.warn({ err, roomId }, 'room lock not released'));
  }

  private allRooms(): Promise<Room[]> {
    return this.deps.store.rooms.list({ limit: 100_000, offset: 0 });
  }

  private start(room: Room): void {
    const plugin = this.deps.registry.get(room.platform);
    if (!plugin) throw new AppError('ROOM_PLATFORM_UNKNOWN', room.platform);
    const supervised = new SupervisedRoom(room, plugin, this.deps, this.deps.log.child({ roomId: room.id, platform: room.platform }));
    this.rooms.set(room.id, supervised);
    supervised.start();
  }
}
