import { and, asc, desc, eq, inArray, isNull, lte, sql } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { MessageOutcome } from '../../chat/message.ts';
import { AppError } from '../../errors.ts';
import { OPEN, type OrderStatus } from '../../orders/order.ts';
import type { Platform } from '../../rooms/room.ts';
import type { Confirmation, StoredOrder, Tx } from '../store.ts';
import * as schema from './schema.ts';
import { toRoom } from './rows.ts';

type Db = BetterSQLite3Database<typeof schema>;

const { orders, orderLines, chatUsers } = schema;

/** Orders with their buyer and lines, in the order of `ids`. */
export function loadOrders(db: Db, ids: number[]): StoredOrder[] {
  if (ids.length === 0) return [];
  const rows = db
    .select({ order: orders, platform: chatUsers.platform, platformUserId: chatUsers.platformUserId })
    .from(orders)
    .innerJoin(chatUsers, eq(chatUsers.id, orders.chatUserId))
    .where(inArray(orders.id, ids))
    .all();
  const lines = db.select().from(orderLines).where(inArray(orderLines.orderId, ids)).orderBy(asc(orderLines.id)).all();
  const linesOf = new Map<number, (typeof lines)[number][]>();
  for (const line of lines) linesOf.set(line.orderId, [...(linesOf.get(line.orderId) ?? []), line]);
  const byId = new Map(rows.map((r) => [r.order.id, r]));
  return ids.flatMap((id) => {
    const r = byId.get(id);
    if (!r) return [];
    const o = r.order;
    return [
      {
        id: o.id,
        roomId: o.roomId,
        liveSessionId: o.liveSessionId,
        messageId: o.messageId,
        chatUserId: o.chatUserId,
        buyerName: o.buyerName,
        buyer: { platform: r.platform as Platform, userId: r.platformUserId, name: o.buyerName },
        status: o.status,
        origin: o.origin,
        lines: (linesOf.get(id) ?? []).map(({ id, productId, code, name, qty, priceFen, grossFen }) => ({ id, productId, code, name, qty, priceFen, grossFen })),
        holdExpiresAt: o.holdExpiresAt,
        createdAt: o.createdAt,
        updatedAt: o.updatedAt,
      },
    ];
  });
}

/**
 * The write operations of the embedded engine. They run synchronously inside the write queue's
 * transaction; the promises they return are already settled.
 */
export function sqliteTx(db: Db): Tx {
  const one = (id: number) => loadOrders(db, [id])[0];

  return {
    messageOutcome: async (roomId, messageId) => {
      const row = db
        .select({ outcome: schema.chatMessages.outcome })
        .from(schema.chatMessages)
        .where(and(eq(schema.chatMessages.roomId, roomId), eq(schema.chatMessages.messageId, messageId)))
        .get();
      return row ? (row.outcome as MessageOutcome) : undefined;
    },

    saveMessage: async (m) => {
      db.insert(schema.chatMessages)
        .values({ roomId: m.roomId, messageId: m.messageId, chatUserId: m.chatUserId, text: m.text, sentAt: m.sentAt, receivedAt: m.receivedAt, outcome: m.outcome })
        .run();
    },

    chatUser: async (platform, platformUserId, displayName, now) => {
      const row = db
        .insert(chatUsers)
        .values({ platform: platform as Platform, platformUserId, displayName, createdAt: now, updatedAt: now })
        .onConflictDoUpdate({
          target: [chatUsers.platform, chatUsers.platformUserId],
          set: { displayName, updatedAt: now },
          setWhere: sql`${chatUsers.displayName} <> excluded.display_name`,
        })
        .returning({ id: chatUsers.id })
        .get();
      if (row) return row.id;
      return db
        .select({ id: chatUsers.id })
        .from(chatUsers)
        .where(and(eq(chatUsers.platform, platform as Platform), eq(chatUsers.platformUserId, platformUserId)))
        .get()!.id;
    },

    liveSession: async (roomId, now) => {
      const open = db
        .select({ id: schema.liveSessions.id })
        .from(schema.liveSessions)
        .where(and(eq(schema.liveSessions.roomId, roomId), isNull(schema.liveSessions.endedAt)))
        .orderBy(desc(schema.liveSessions.id))
        .get();
      if (open) return open.id;
      return db.insert(schema.liveSessions).values({ roomId, startedAt: now }).returning({ id: schema.liveSessions.id }).get().id;
    },

    room: async (roomId) => {
      const row = db.select().from(schema.rooms).where(eq(schema.rooms.id, roomId)).get();
      return row ? toRoom(row) : undefined;
    },

    productIdByCode: async (code) =>
      db.select({ id: schema.products.id }).from(schema.products).where(eq(schema.products.code, code)).get()?.id,

    featuredAt: async (roomId, at) => {
      const row = db
        .select({ productId: schema.featureLog.productId })
        .from(schema.featureLog)
        .where(and(eq(schema.featureLog.roomId, roomId), lte(schema.featureLog.at, at)))
        .orderBy(desc(schema.featureLog.at), desc(schema.featureLog.id))
        .get();
      return row?.productId ?? null;
    },

    productForClaim: async (productId) => {
      const p = db
        .select({
          id: schema.products.id,
          code: schema.products.code,
          name: schema.products.name,
          priceFen: schema.products.priceFen,
          stock: schema.products.stock,
        })
        .from(schema.products)
        .where(eq(schema.products.id, productId))
        .get();
      if (!p) return undefined;
      const sources = db
        .select({ householdId: schema.productSources.householdId, share: schema.productSources.share })
        .from(schema.productSources)
        .where(eq(schema.productSources.productId, productId))
        .orderBy(asc(schema.productSources.position))
        .all();
      return { ...p, sources };
    },

    adjustStock: async (productId, delta) => {
      // The CHECK constraint refuses a negative result; the domain never asks for one.
      const row = db
        .update(schema.products)
        .set({ stock: sql`${schema.products.stock} + ${delta}`, updatedAt: new Date() })
        .where(eq(schema.products.id, productId))
        .returning({ stock: schema.products.stock })
        .get();
      if (!row) throw new AppError('PRODUCT_NOT_FOUND', String(productId));
      return row.stock;
    },

    openOrderCount: async (chatUserId, liveSessionId) =>
      db
        .select({ n: sql<number>`count(*)` })
        .from(orders)
        .where(and(eq(orders.chatUserId, chatUserId), eq(orders.liveSessionId, liveSessionId), inArray(orders.status, [...OPEN])))
        .get()!.n,

    insertOrder: async (o) => {
      const { id } = db
        .insert(orders)
        .values({
          roomId: o.roomId,
          liveSessionId: o.liveSessionId,
          messageId: o.messageId,
          chatUserId: o.chatUserId,
          buyerName: o.buyerName,
          status: o.status,
          origin: o.origin,
          externalRef: o.externalRef ?? null,
          holdExpiresAt: o.holdExpiresAt,
          createdAt: o.createdAt,
          updatedAt: o.createdAt,
        })
        .returning({ id: orders.id })
        .get();
      db.insert(orderLines)
        .values(o.lines.map((l) => ({ ...l, orderId: id, grossFen: l.priceFen * l.qty })))
        .run();
      return one(id)!;
    },

    order: async (id) => one(id),

    orderIdByExternalRef: async (roomId, externalRef) =>
      db.select({ id: orders.id }).from(orders).where(and(eq(orders.roomId, roomId), eq(orders.externalRef, externalRef))).get()?.id,

    updateOrder: async (id, change) => {
      db.update(orders).set(change).where(eq(orders.id, id)).run();
      return one(id)!;
    },

    setLineQty: async (orderLineId, qty) => {
      db.update(orderLines)
        .set({ qty, grossFen: sql`${orderLines.priceFen} * ${qty}` })
        .where(eq(orderLines.id, orderLineId))
        .run();
    },

    waitlisted: async (productId, limit) => {
      const ids = db
        .selectDistinct({ id: orders.id })
        .from(orders)
        .innerJoin(orderLines, eq(orderLines.orderId, orders.id))
        .where(and(eq(orders.status, 'waitlisted'), eq(orderLines.productId, productId)))
        .orderBy(asc(orders.id))
        .limit(limit)
        .all()
        .map((r) => r.id);
      return loadOrders(db, ids);
    },

    dueHolds: async (now, limit) =>
      db
        .select({ id: orders.id })
        .from(orders)
        .where(and(eq(orders.status, 'held' satisfies OrderStatus), lte(orders.holdExpiresAt, now)))
        .orderBy(asc(orders.holdExpiresAt))
        .limit(limit)
        .all()
        .map((r) => r.id),

    appendLedger: async (entries) => {
      if (entries.length > 0) db.insert(schema.ledgerEntries).values([...entries]).run();
    },

    ledgerOf: async (orderId) =>
      db
        .select()
        .from(schema.ledgerEntries)
        .where(eq(schema.ledgerEntries.orderId, orderId))
        .orderBy(asc(schema.ledgerEntries.id))
        .all()
        .map(({ id: _, ...entry }) => entry),

    insertQuestion: async (question) =>
      db.insert(schema.questions).values(question).returning({ id: schema.questions.id }).get().id,

    insertConfirmation: async (c) =>
      db
        .insert(schema.confirmations)
        .values({ ...c, status: 'pending' })
        .returning({ id: schema.confirmations.id })
        .get().id,

    confirmation: async (id) => loadConfirmations(db, eq(schema.confirmations.id, id))[0],

    decideConfirmation: async (id, decision) => {
      db.update(schema.confirmations).set(decision).where(eq(schema.confirmations.id, id)).run();
    },
  };
}

export function loadConfirmations(db: Db, where: ReturnType<typeof eq> | undefined, limit = 1, offset = 0): Confirmation[] {
  const c = schema.confirmations;
  return db
    .select({ c, platform: chatUsers.platform, platformUserId: chatUsers.platformUserId })
    .from(c)
    .innerJoin(chatUsers, eq(chatUsers.id, c.chatUserId))
    .where(where)
    .orderBy(asc(c.id))
    .limit(limit)
    .offset(offset)
    .all()
    .map(({ c: row, platform, platformUserId }) => ({
      ...row,
      buyer: { platform, userId: platformUserId, name: row.buyerName },
    }));
}
