import { and, asc, desc, eq, inArray, isNull, lte, sql } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import type { MessageOutcome } from '../../chat/message.ts';
import { AppError } from '../../errors.ts';
import { OPEN } from '../../orders/order.ts';
import { DEFAULT_LIMITS, type Room, type RoomLimits } from '../../rooms/room.ts';
import { insertedOrder, type ClaimProduct, type Confirmation, type StoredOrder, type Tx } from '../store.ts';
import * as schema from './schema.ts';

export type Db = NodePgDatabase<typeof schema>;
/** A database handle or a transaction on it: both run queries the same way. */
export type Runner = Pick<Db, 'select' | 'insert' | 'update' | 'delete' | 'execute' | 'selectDistinct'>;

const { orders, orderLines, chatUsers } = schema;

export function toRoom(row: typeof schema.rooms.$inferSelect): Room {
  return { ...row, limits: { ...DEFAULT_LIMITS, ...(row.limits as Partial<RoomLimits>) } };
}

const first = <T>(rows: T[]): T | undefined => rows[0];

/** Orders with their buyer and lines, in the order of `ids`. */
export async function loadOrders(db: Runner, ids: number[]): Promise<StoredOrder[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select({ order: orders, platform: chatUsers.platform, platformUserId: chatUsers.platformUserId })
    .from(orders)
    .innerJoin(chatUsers, eq(chatUsers.id, orders.chatUserId))
    .where(inArray(orders.id, ids));
  const lines = await db.select().from(orderLines).where(inArray(orderLines.orderId, ids)).orderBy(asc(orderLines.id));
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
        buyer: { platform: r.platform, userId: r.platformUserId, name: o.buyerName },
        status: o.status,
        origin: o.origin,
        lines: (linesOf.get(id) ?? []).map(({ id, productId, code, name, qty, priceFen, grossFen, stockShort }) => ({ id, productId, code, name, qty, priceFen, grossFen, stockShort })),
        holdExpiresAt: o.holdExpiresAt,
        createdAt: o.createdAt,
        updatedAt: o.updatedAt,
      },
    ];
  });
}

export async function loadConfirmations(db: Runner, where: ReturnType<typeof eq> | undefined, limit = 1, offset = 0): Promise<Confirmation[]> {
  const c = schema.confirmations;
  const rows = await db
    .select({ c, platform: chatUsers.platform, platformUserId: chatUsers.platformUserId })
    .from(c)
    .innerJoin(chatUsers, eq(chatUsers.id, c.chatUserId))
    .where(where)
    .orderBy(asc(c.id))
    .limit(limit)
    .offset(offset);
  return rows.map(({ c: row, platform, platformUserId }) => ({ ...row, buyer: { platform, userId: platformUserId, name: row.buyerName } }));
}

/**
 * The write operations in PostgreSQL, inside one transaction of a pooled connection. The product a
 * claim takes stock from is locked (SELECT … FOR UPDATE) until the transaction ends, so claims on
 * it from every instance line up instead of overselling.
 */
export function pgTx(db: Runner): Tx {
  const claimProduct = async (where: ReturnType<typeof eq>): Promise<ClaimProduct | undefined> => {
    const p = first(
      await db
        .select({ id: schema.products.id, code: schema.products.code, name: schema.products.name, priceFen: schema.products.priceFen, stock: schema.products.stock })
        .from(schema.products)
        .where(where)
        .for('update'),
    );
    if (!p) return undefined;
    const sources = await db
      .select({ householdId: schema.productSources.householdId, share: schema.productSources.share })
      .from(schema.productSources)
      .where(eq(schema.productSources.productId, p.id))
      .orderBy(asc(schema.productSources.position));
    return { ...p, sources };
  };

  return {
    messageOutcome: async (roomId, messageId) => {
      const row = first(
        await db
          .select({ outcome: schema.chatMessages.outcome })
          .from(schema.chatMessages)
          .where(and(eq(schema.chatMessages.roomId, roomId), eq(schema.chatMessages.messageId, messageId))),
      );
      const stored = row?.outcome as MessageOutcome | undefined;
      return stored?.orders ? { ...stored, order: stored.orders[0] } : stored;
    },

    saveMessage: async (m) => {
      const { order: _, ...outcome } = m.outcome;
      await db.insert(schema.chatMessages).values({ roomId: m.roomId, messageId: m.messageId, chatUserId: m.chatUserId, text: m.text, sentAt: m.sentAt, receivedAt: m.receivedAt, outcome });
    },

    chatUser: async (platform, platformUserId, displayName, now) => {
      const row = first(
        await db
          .insert(chatUsers)
          .values({ platform, platformUserId, displayName, createdAt: now, updatedAt: now })
          .onConflictDoUpdate({
            target: [chatUsers.platform, chatUsers.platformUserId],
            set: { displayName, updatedAt: now },
            setWhere: sql`${chatUsers.displayName} <> excluded.display_name`,
          })
          .returning({ id: chatUsers.id }),
      );
      if (row) return row.id;
      return first(await db.select({ id: chatUsers.id }).from(chatUsers).where(and(eq(chatUsers.platform, platform), eq(chatUsers.platformUserId, platformUserId))))!.id;
    },

    liveSession: async (roomId, now) => {
      const ls = schema.liveSessions;
      // One transaction at a time may open a room's first session: the advisory lock is released at commit.
      await db.execute(sql`select pg_advisory_xact_lock(${SESSION_LOCK}, ${roomId})`);
      const open = first(await db.select({ id: ls.id }).from(ls).where(and(eq(ls.roomId, roomId), isNull(ls.endedAt))).orderBy(desc(ls.id)).limit(1));
      if (open) return open.id;
      return first(await db.insert(ls).values({ roomId, startedAt: now }).returning({ id: ls.id }))!.id;
    },

    room: async (roomId) => {
      const row = first(await db.select().from(schema.rooms).where(eq(schema.rooms.id, roomId)));
      return row ? toRoom(row) : undefined;
    },

    featuredAt: async (roomId, at) => {
      const f = schema.featureLog;
      const row = first(await db.select({ productId: f.productId }).from(f).where(and(eq(f.roomId, roomId), lte(f.at, at))).orderBy(desc(f.at), desc(f.id)).limit(1));
      return row?.productId ?? null;
    },

    productByCode: (code) => claimProduct(eq(schema.products.code, code)),
    productForClaim: (productId) => claimProduct(eq(schema.products.id, productId)),

    adjustStock: async (productId, delta) => {
      // The CHECK constraint refuses a negative result; the domain never asks for one.
      const row = first(
        await db
          .update(schema.products)
          .set({ stock: sql`${schema.products.stock} + ${delta}`, updatedAt: new Date() })
          .where(eq(schema.products.id, productId))
          .returning({ stock: schema.products.stock }),
      );
      if (!row) throw new AppError('PRODUCT_NOT_FOUND', String(productId));
      return row.stock;
    },

    openOrderCount: async (chatUserId, liveSessionId) =>
      first(
        await db
          .select({ n: sql<number>`count(*)::int` })
          .from(orders)
          .where(and(eq(orders.chatUserId, chatUserId), eq(orders.liveSessionId, liveSessionId), inArray(orders.status, [...OPEN]))),
      )!.n,

    insertOrder: async (o) => {
      const { id } = first(
        await db
          .insert(orders)
          .values({
            roomId: o.roomId,
            liveSessionId: o.liveSessionId,
            messageId: o.messageId,
            chatUserId: o.chatUserId,
            buyerName: o.buyer.name,
            status: o.status,
            origin: o.origin,
            externalRef: o.externalRef ?? null,
            holdExpiresAt: o.holdExpiresAt,
            createdAt: o.createdAt,
            updatedAt: o.createdAt,
          })
          .returning({ id: orders.id }),
      )!;
      const lines = await db
        .insert(orderLines)
        .values(o.lines.map((l) => ({ ...l, orderId: id, grossFen: l.priceFen * l.qty })))
        .returning();
      return insertedOrder(
        id,
        o,
        lines.map(({ id, productId, code, name, qty, priceFen, grossFen, stockShort }) => ({ id, productId, code, name, qty, priceFen, grossFen, stockShort })),
      );
    },

    order: async (id) => {
      // Locked: two instances changing one order's status take turns.
      await db.select({ id: orders.id }).from(orders).where(eq(orders.id, id)).for('update');
      return (await loadOrders(db, [id]))[0];
    },

    orderIdByExternalRef: async (roomId, externalRef) =>
      first(await db.select({ id: orders.id }).from(orders).where(and(eq(orders.roomId, roomId), eq(orders.externalRef, externalRef))))?.id,

    updateOrder: async (id, change) => {
      await db.update(orders).set(change).where(eq(orders.id, id));
      return (await loadOrders(db, [id]))[0]!;
    },

    setLineQty: async (orderLineId, qty) => {
      await db
        .update(orderLines)
        .set({ qty, grossFen: sql`${orderLines.priceFen} * ${qty}` })
        .where(eq(orderLines.id, orderLineId));
    },

    waitlisted: async (productId, limit) => {
      const candidates = (
        await db
          .selectDistinct({ id: orders.id })
          .from(orders)
          .innerJoin(orderLines, eq(orderLines.orderId, orders.id))
          .where(and(eq(orders.status, 'waitlisted'), eq(orderLines.productId, productId)))
          .orderBy(asc(orders.id))
          .limit(limit)
      ).map((r) => r.id);
      if (candidates.length === 0) return [];
      // Locked, and asked again once locked: an order cancelled meanwhile by another transaction
      // is no longer waiting. Read unlocked, a cancellation already acknowledged was overwritten
      // with "held" and its stock taken.
      const ids = (
        await db
          .select({ id: orders.id })
          .from(orders)
          .where(and(inArray(orders.id, candidates), eq(orders.status, 'waitlisted')))
          .orderBy(asc(orders.id))
          .for('update')
      ).map((r) => r.id);
      return loadOrders(db, ids);
    },

    dueHolds: async (now, limit) =>
      (
        await db
          .select({ id: orders.id })
          .from(orders)
          .where(and(eq(orders.status, 'held'), lte(orders.holdExpiresAt, now)))
          .orderBy(asc(orders.holdExpiresAt))
          .limit(limit)
      ).map((r) => r.id),

    appendLedger: async (entries) => {
      if (entries.length > 0) await db.insert(schema.ledgerEntries).values([...entries]);
    },

    ledgerOf: async (orderId) =>
      (await db.select().from(schema.ledgerEntries).where(eq(schema.ledgerEntries.orderId, orderId)).orderBy(asc(schema.ledgerEntries.id))).map(
        ({ id: _, ...entry }) => entry,
      ),

    insertQuestion: async (question) => first(await db.insert(schema.questions).values(question).returning({ id: schema.questions.id }))!.id,

    insertConfirmation: async (c) =>
      first(
        await db
          .insert(schema.confirmations)
          .values({ ...c, status: 'pending' })
          .returning({ id: schema.confirmations.id }),
      )!.id,

    confirmation: async (id) => {
      // Locked: two taps on "accept" (or two instances) take turns, and the second sees it decided.
      await db.select({ id: schema.confirmations.id }).from(schema.confirmations).where(eq(schema.confirmations.id, id)).for('update');
      return (await loadConfirmations(db, eq(schema.confirmations.id, id)))[0];
    },

    decideConfirmation: async (id, decision) => {
      await db.update(schema.confirmations).set(decision).where(eq(schema.confirmations.id, id));
    },
  };
}

/** Advisory lock namespaces (the first key of a two-key lock). */
export const SESSION_LOCK = 0x6e67_0001;
export const ROOM_LOCK = 0x6e67_0002;
export const MIGRATION_LOCK = 0x6e67_0003;
export const EXPORT_LOCK = 0x6e67_0004;
