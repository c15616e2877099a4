/**
 * Live updates over socket.io. `/overlay` sockets authenticate with a room id and its overlay
 * token and get that room's overlay state on connect, then its events; `/panel` sockets
 * authenticate with the login cookie and get everything the control panel shows. Every event
 * goes out only after what it reports is stored.
 */
import type { FastifyInstance } from 'fastify';
import { Server, type Socket } from 'socket.io';
import { SESSION_COOKIE, sessionKey, sessionOf } from '../http/auth.ts';
import { sameToken } from '../http/routes/pages.ts';
import { featuredCard, goalState, overlayState, tickerItem, type FeaturedChat, type QaCard } from './overlay-state.ts';
import type { SharedState } from './shared.ts';

/** Goal bars are recomputed at most this often per room: a burst of orders is one query. */
const GOAL_THROTTLE_MS = 500;
/** Stock figures go out at most this often per product. */
const STOCK_THROTTLE_MS = 200;

export interface Realtime {
  io: Server;
  /** The Q&A card and the featured chat message, which live only in memory. */
  showQa(roomId: number, card: QaCard | null): void;
  showChat(roomId: number, chat: FeaturedChat | null): void;
  /**
   * Says `text` in the room's live chat, through the room's rate-limited queue on whichever
   * instance runs its adapter (this one, or another through the Redis adapter).
   */
  say(roomId: number, text: string): void;
  /** Sends a sample event to a room's overlays only, for the streamer to check the OBS setup. */
  test(roomId: number, kind: 'order' | 'qa' | 'chat'): void;
  /** The room's goal was changed: the goal bar shows it now, not at the next order. */
  goalChanged(roomId: number): void;
  /** Closes the panel sockets of a session that ended (logged out), on every instance. */
  endSession(idHash: string): void;
  close(): Promise<void>;
}

const channel = (roomId: number) => `room:${roomId}`;
/** The panel sockets opened with one login, so logging out closes them. */
const sessionChannel = (idHash: string) => `session:${idHash}`;
/** Between instances: a chat line for the room's owner to send. */
const SAY = 'nongbo:say';

export function attachRealtime(app: FastifyInstance, shared: SharedState, adapter?: Parameters<Server['adapter']>[0]): Realtime {
  const io = new Server(app.server, { serveClient: true, cors: undefined, maxHttpBufferSize: 64 * 1024 });
  // With Redis, an event emitted on any instance reaches the overlays connected to every instance.
  if (adapter) io.adapter(adapter);
  // Reaches the other instances only; a line for a room this instance runs never goes out.
  io.on(SAY, (roomId: unknown, text: unknown) => {
    if (typeof roomId === 'number' && typeof text === 'string') app.connections.outboundOf(roomId)?.push(text);
  });
  const overlays = io.of('/overlay');
  const panel = io.of('/panel');
  /**
   * A room's sockets in a namespace, or undefined when nobody is there to hear: socket.io encodes
   * an event before it looks for recipients, and most orders of a busy stream have no panel open.
   * With Redis the listeners may be on another instance, so there is always an audience.
   */
  const audience = (nsp: typeof panel, roomId: number) => (adapter || nsp.adapter.rooms.get(channel(roomId))?.size ? nsp.to(channel(roomId)) : undefined);

  overlays.use(refusing(async (socket, next) => {
    const { room, token } = socket.handshake.auth as { room?: unknown; token?: unknown };
    const roomId = Number(room);
    const found = Number.isSafeInteger(roomId) && roomId > 0 ? await app.store.rooms.get(roomId) : undefined;
    if (!found || typeof token !== 'string' || !sameToken(token, found.overlayToken)) return next(new Error('unauthorized'));
    socket.data.roomId = found.id;
    next();
  }));
  overlays.on('connection', (socket: Socket) => {
    const roomId = socket.data.roomId as number;
    void (async () => {
      await socket.join(channel(roomId));
      const extras = await shared.overlay(roomId).catch(() => ({ qa: null, chat: null }));
      const state = await overlayState(app.store, app.publicUrl(), roomId, extras);
      socket.emit('state', state);
    })().catch((err) => app.log.error({ err }, 'overlay state failed'));
  });

  panel.use(refusing(async (socket, next) => {
    // Same-origin only: a page elsewhere must not read the panel's feed with the user's cookie.
    const origin = socket.handshake.headers.origin;
    if (origin && hostOf(origin) !== socket.handshake.headers.host) return next(new Error('unauthorized'));
    const cookie = app.parseCookie(socket.handshake.headers.cookie ?? '')[SESSION_COOKIE];
    if (!(await sessionOf(app.store, cookie))) return next(new Error('unauthorized'));
    socket.data.session = sessionKey(cookie!);
    next();
  }));
  panel.on('connection', (socket: Socket) => {
    void socket.join(sessionChannel(socket.data.session as string))?.catch((err: unknown) => app.log.warn({ err }, 'panel session join failed'));
    // The panel follows one room at a time and says which.
    socket.on('follow', (roomId: unknown) => {
      void (async () => {
        for (const r of socket.rooms) if (r.startsWith('room:')) await socket.leave(r);
        if (Number.isSafeInteger(roomId)) await socket.join(channel(roomId as number));
      })().catch((err) => app.log.warn({ err }, 'panel follow failed'));
    });
  });

  const show = (roomId: number, patch: Partial<{ qa: QaCard | null; chat: FeaturedChat | null }>) => {
    shared.setOverlay(roomId, patch).catch((err) => app.log.warn({ err }, 'overlay state not shared'));
  };
  function showQa(roomId: number, card: QaCard | null) {
    show(roomId, { qa: card });
    overlays.to(channel(roomId)).emit('qa', card);
  }

  const pendingGoal = new Set<number>();
  const stockDue = new Map<number, number>();
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;
  /** Runs `work` after `ms` unless the server closes first (its Redis clients are gone by then). */
  const later = (ms: number, work: () => void | Promise<void>) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      void work();
    }, ms).unref();
    timers.add(timer);
  };
  const refreshGoal = (roomId: number) => {
    if (pendingGoal.has(roomId)) return;
    pendingGoal.add(roomId);
    later(GOAL_THROTTLE_MS, async () => {
      pendingGoal.delete(roomId);
      const room = await app.store.rooms.get(roomId).catch(() => undefined);
      if (!room) return;
      const goal = await goalState(app.store, roomId, room.goalFen).catch(() => undefined);
      if (goal) {
        overlays.to(channel(roomId)).emit('goal', goal);
        panel.to(channel(roomId)).emit('goal', goal);
      }
    });
  };

  const { events } = app;
  const listeners = {
    order: (order: Parameters<Parameters<typeof events.on<'order'>>[1]>[0]) => {
      // The ticker shows sales as they happen: a new held (or imported, paid) order, once.
      const isNew = order.createdAt === order.updatedAt;
      const ticker = isNew && (order.status === 'held' || order.status === 'confirmed') ? audience(overlays, order.roomId) : undefined;
      ticker?.emit('order', tickerItem(order));
      audience(panel, order.roomId)?.emit('order', order);
      refreshGoal(order.roomId);
    },
    stock: (change: { productId: number; stock: number }) => {
      // A burst of orders moves stock many times a second; the screens need the latest figure.
      const first = !stockDue.has(change.productId);
      stockDue.set(change.productId, change.stock);
      if (first) {
        later(STOCK_THROTTLE_MS, () => {
          const stock = stockDue.get(change.productId)!;
          stockDue.delete(change.productId);
          overlays.emit('stock', { productId: change.productId, stock });
          panel.emit('stock', { productId: change.productId, stock });
        });
      }
    },
    feature: async ({ roomId }: { roomId: number }) => {
      const card = await featuredCard(app.store, app.publicUrl(), roomId).catch(() => null);
      if (closed) return;
      overlays.to(channel(roomId)).emit('feature', card);
      panel.to(channel(roomId)).emit('feature', card);
    },
    connection: (c: { roomId: number }) => panel.to(channel(c.roomId)).emit('connection', c),
    confirmation: (c: { roomId: number }) => panel.to(channel(c.roomId)).emit('confirmation', c),
    // Without the platform's raw payload: the panel shows none of it, and a hostile one (nested ten
    // thousand deep) would cost socket.io's encoder its stack for every packet.
    platform: (p: Parameters<Parameters<typeof events.on<'platform'>>[1]>[0]) => {
      const { raw: _, ...event } = p.event as typeof p.event & { raw?: unknown };
      panel.to(channel(p.roomId)).emit('platform', { ...p, event });
    },
    question: (q: Parameters<Parameters<typeof events.on<'question'>>[1]>[0]) => {
      panel.to(channel(q.roomId)).emit('question', q);
      // The card goes up with the chat answer; fifty askers of one question do not flash it fifty times.
      if (q.answered && q.answer.answered) showQa(q.roomId, { question: q.text, short: q.answer.short, source: q.answer.source, at: new Date().toISOString() });
    },
  };
  events.on('order', listeners.order);
  events.on('stock', listeners.stock);
  events.on('feature', listeners.feature);
  events.on('connection', listeners.connection);
  events.on('confirmation', listeners.confirmation);
  events.on('platform', listeners.platform);
  events.on('question', listeners.question);

  return {
    io,
    showQa,
    showChat(roomId, chat) {
      show(roomId, { chat });
      overlays.to(channel(roomId)).emit('chat', chat);
    },
    endSession(idHash) {
      panel.in(sessionChannel(idHash)).disconnectSockets(true);
    },
    say(roomId, text) {
      const outbound = app.connections.outboundOf(roomId);
      if (outbound) outbound.push(text);
      // Another instance may run the room's adapter; alone, there is no one else to ask (and the
      // in-memory adapter only warns on stderr).
      else if (adapter) io.serverSideEmit(SAY, roomId, text);
    },
    test(roomId, kind) {
      const at = new Date().toISOString();
      if (kind === 'order') overlays.to(channel(roomId)).emit('order', { orderId: 0, buyer: '测**', code: '0', product: '测试商品', qty: 1, status: 'held', at });
      if (kind === 'qa') overlays.to(channel(roomId)).emit('qa', { question: '这是一条测试问题吗？', short: '是的，叠加层工作正常。', source: '农播测试', at });
      if (kind === 'chat') overlays.to(channel(roomId)).emit('chat', { name: '农播', text: '测试弹幕：叠加层工作正常 👍', at });
    },
    goalChanged: refreshGoal,
    async close() {
      closed = true;
      events.off('order', listeners.order);
      events.off('stock', listeners.stock);
      events.off('feature', listeners.feature);
      events.off('connection', listeners.connection);
      events.off('confirmation', listeners.confirmation);
      events.off('platform', listeners.platform);
      events.off('question', listeners.question);
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      // Only the transports end (engine.close(), which leaves the HTTP server Fastify owns open):
      // clients then reconnect with backoff until the server is back. disconnectSockets() would
      // send each one "you are disconnected", which socket.io clients take as "do not reconnect",
      // and every OBS overlay kept showing the old card after a restart until reloaded by hand.
      io.engine.close();
    },
  };
}

type Middleware = (socket: Socket, next: (err?: Error) => void) => Promise<void>;

/**
 * socket.io does not catch what an async middleware throws: a rejected check (the database
 * unreachable) would be an unhandled rejection, which ends the process. It refuses the socket instead.
 */
function refusing(check: Middleware): Middleware {
  return (socket, next) => check(socket, next).catch(() => next(new Error('unavailable')));
}

/** `https://a.example:8080` → `a.example:8080`; an origin that is no URL (`null`, from a sandboxed page) → undefined. */
function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}
