/**
 * The PostgreSQL schema of the scale-out mode: the same tables as the embedded SQLite schema
 * (src/store/sqlite/schema.ts), in PostgreSQL's types. `npm run db:generate:postgres` turns
 * changes here into a new migration in `migrations/postgres`, applied at start.
 * Times are timestamptz; money is integer fen in bigint.
 */
import { sql } from 'drizzle-orm';
import { bigint, boolean, check, customType, doublePrecision, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { POVERTY_STATUSES } from '../../households/household.ts';
import { ORDER_ORIGINS, ORDER_STATUSES } from '../../orders/order.ts';
import { QUESTION_STATUSES } from '../../policy/question.ts';

const ms = (name: string) => timestamp(name, { withTimezone: true, precision: 3, mode: 'date' });
/** Integer fen: prices times quantities can pass 2^31. */
const fen = (name: string) => bigint(name, { mode: 'number' });
const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });
const createdAt = () => ms('created_at').notNull();
const updatedAt = () => ms('updated_at').notNull();

export const households = pgTable('households', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  name: text('name').notNull(),
  village: text('village'),
  phone: text('phone'),
  povertyStatus: text('poverty_status', { enum: POVERTY_STATUSES }).notNull().default('none'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const photos = pgTable('photos', {
  id: text('id').primaryKey(),
  mime: text('mime').notNull(),
  bytes: bytea('bytes').notNull(),
  createdAt: createdAt(),
});

export const products = pgTable(
  'products',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    code: text('code').notNull(),
    name: text('name').notNull(),
    unit: text('unit').notNull(),
    priceFen: fen('price_fen').notNull(),
    stock: integer('stock').notNull(),
    story: text('story'),
    photoId: text('photo_id').references(() => photos.id),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('products_code_unique').on(t.code),
    // The last line of defence against overselling: no write may take stock below zero.
    check('products_stock_nonnegative', sql`${t.stock} >= 0`),
    check('products_price_nonnegative', sql`${t.priceFen} >= 0`),
  ],
);

export const productSources = pgTable(
  'product_sources',
  {
    productId: integer('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    householdId: integer('household_id')
      .notNull()
      .references(() => households.id),
    share: doublePrecision('share').notNull(),
    /** Order as given: the first source wins remainder ties. */
    position: integer('position').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.productId, t.householdId] }),
    index('product_sources_household').on(t.householdId),
    check('product_sources_share_positive', sql`${t.share} > 0`),
  ],
);

export const rooms = pgTable(
  'rooms',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    name: text('name').notNull(),
    platform: text('platform').notNull(),
    config: jsonb('config').notNull().$type<Record<string, unknown>>(),
    platformFeeRate: doublePrecision('platform_fee_rate').notNull().default(0),
    commissionRate: doublePrecision('commission_rate').notNull().default(0),
    qa: boolean('qa').notNull().default(false),
    /** The sales goal of a live session, in fen (0 = none), for the goal bar overlay. */
    goalFen: fen('goal_fen').notNull().default(0),
    /** The adapter should be connected: set by connect, cleared by disconnect, honoured at start. */
    enabled: boolean('enabled').notNull().default(false),
    overlayToken: text('overlay_token').notNull(),
    limits: jsonb('limits').notNull().$type<Record<string, number>>(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('rooms_overlay_token_unique').on(t.overlayToken)],
);

/** A room going live and ending; per-buyer limits and analytics count per session. */
export const liveSessions = pgTable(
  'live_sessions',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    roomId: integer('room_id')
      .notNull()
      .references(() => rooms.id),
    startedAt: ms('started_at').notNull(),
    endedAt: ms('ended_at'),
  },
  (t) => [index('live_sessions_room').on(t.roomId, t.startedAt)],
);

/** A viewer as the platform knows them; the buyer of an order is never a nickname alone. */
export const chatUsers = pgTable(
  'chat_users',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    platform: text('platform').notNull(),
    platformUserId: text('platform_user_id').notNull(),
    displayName: text('display_name').notNull(),
    /** Added by the cooperative later (for delivery), never taken from public chat. */
    contactName: text('contact_name'),
    contactPhone: text('contact_phone'),
    contactAddress: text('contact_address'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('chat_users_platform_user').on(t.platform, t.platformUserId)],
);

/** Every chat message a room received, once per platform message id, with what it caused. */
export const chatMessages = pgTable(
  'chat_messages',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    roomId: integer('room_id')
      .notNull()
      .references(() => rooms.id),
    messageId: text('message_id').notNull(),
    chatUserId: integer('chat_user_id')
      .notNull()
      .references(() => chatUsers.id),
    text: text('text').notNull(),
    sentAt: ms('sent_at').notNull(),
    receivedAt: ms('received_at').notNull(),
    /** The reply given the first time, returned again when the same message id is replayed. */
    outcome: jsonb('outcome'),
  },
  (t) => [uniqueIndex('chat_messages_room_message').on(t.roomId, t.messageId)],
);

/** Which product was featured (讲解中) from when: `+1` means the product featured at the message's time. */
export const featureLog = pgTable(
  'feature_log',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    roomId: integer('room_id')
      .notNull()
      .references(() => rooms.id),
    /** null = nothing featured from `at` on. */
    productId: integer('product_id').references(() => products.id),
    at: ms('at').notNull(),
  },
  (t) => [index('feature_log_room_at').on(t.roomId, t.at)],
);

export const orders = pgTable(
  'orders',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    roomId: integer('room_id')
      .notNull()
      .references(() => rooms.id),
    liveSessionId: integer('live_session_id').references(() => liveSessions.id),
    /** The chat message that placed it (null for imported or manual orders). */
    messageId: text('message_id'),
    chatUserId: integer('chat_user_id')
      .notNull()
      .references(() => chatUsers.id),
    /** The nickname the buyer had when ordering, as exports show it. */
    buyerName: text('buyer_name').notNull().default(''),
    status: text('status', { enum: ORDER_STATUSES }).notNull(),
    origin: text('origin', { enum: ORDER_ORIGINS }).notNull().default('chat'),
    /** The shop's own order number for imported orders: importing the same file twice adds nothing. */
    externalRef: text('external_ref'),
    holdExpiresAt: ms('hold_expires_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('orders_room_created').on(t.roomId, t.createdAt),
    index('orders_status_expiry').on(t.status, t.holdExpiresAt),
    index('orders_buyer').on(t.chatUserId),
    // The goal bar sums a session's claiming orders. Here that runs in the database, beside the
    // server rather than in its event loop; the embedded engine keeps running totals instead
    // (live_sessions.sales_*), and triggers doing so here deadlocked claims against cancellations.
    index('orders_live_session').on(t.liveSessionId, t.status),
    uniqueIndex('orders_external_ref').on(t.roomId, t.externalRef).where(sql`${t.externalRef} is not null`),
  ],
);

export const orderLines = pgTable(
  'order_lines',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    orderId: integer('order_id')
      .notNull()
      .references(() => orders.id),
    productId: integer('product_id')
      .notNull()
      .references(() => products.id),
    /** Code, name and price as they were when ordered. */
    code: text('code').notNull(),
    name: text('name').notNull().default(''),
    qty: integer('qty').notNull(),
    priceFen: fen('price_fen').notNull(),
    grossFen: fen('gross_fen').notNull(),
    /**
     * Units the line did not take from stock: a shop import can record more sold than we counted.
     * A release gives back qty − stockShort, never stock that was not there.
     */
    stockShort: integer('stock_short').notNull().default(0),
  },
  (t) => [
    index('order_lines_order').on(t.orderId),
    index('order_lines_product').on(t.productId),
    check('order_lines_qty_positive', sql`${t.qty} > 0`),
  ],
);

/**
 * Append-only attribution: one row per order line and source household. A claim is written when an
 * order is held, a reversal (negated amounts) when it is cancelled or expires. Triggers in the
 * migrations refuse UPDATE and DELETE.
 */
export const ledgerEntries = pgTable(
  'ledger_entries',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    orderId: integer('order_id')
      .notNull()
      .references(() => orders.id),
    orderLineId: integer('order_line_id')
      .notNull()
      .references(() => orderLines.id),
    roomId: integer('room_id')
      .notNull()
      .references(() => rooms.id),
    productId: integer('product_id')
      .notNull()
      .references(() => products.id),
    householdId: integer('household_id')
      .notNull()
      .references(() => households.id),
    kind: text('kind', { enum: ['claim', 'reversal'] }).notNull(),
    quantity: integer('quantity').notNull(),
    grossFen: fen('gross_fen').notNull(),
    platformFeeFen: fen('platform_fee_fen').notNull(),
    commissionFen: fen('commission_fen').notNull(),
    netFen: fen('net_fen').notNull(),
    createdAt: createdAt(),
  },
  // Only the index reversals need: every order writes several ledger rows, and each index is one
  // more write; tallies read the ledger whole, grouped, a few times a day.
  (t) => [index('ledger_order').on(t.orderId)],
);

/**
 * Messages that look like orders but break the grammar (`买三`, `买3号2份送到北京`): held for the
 * streamer to accept (placing the order as of the message's time) or reject.
 */
export const confirmations = pgTable(
  'confirmations',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    roomId: integer('room_id')
      .notNull()
      .references(() => rooms.id),
    liveSessionId: integer('live_session_id').references(() => liveSessions.id),
    messageId: text('message_id').notNull(),
    chatUserId: integer('chat_user_id')
      .notNull()
      .references(() => chatUsers.id),
    buyerName: text('buyer_name').notNull(),
    text: text('text').notNull(),
    /** null = the product featured at `sentAt`. */
    suggestedCode: text('suggested_code'),
    suggestedQty: integer('suggested_qty').notNull(),
    reason: text('reason').notNull(),
    sentAt: ms('sent_at').notNull(),
    status: text('status', { enum: ['pending', 'accepted', 'rejected'] }).notNull(),
    orderId: integer('order_id').references(() => orders.id),
    createdAt: createdAt(),
    decidedAt: ms('decided_at'),
  },
  (t) => [index('confirmations_room_status').on(t.roomId, t.status)],
);

/** The approved policy knowledge base (政策问答); ids are the imported ones. */
export const policyEntries = pgTable('policy_entries', {
  id: text('id').primaryKey(),
  title: text('title').notNull(),
  /** The canonical question first, then its variants. */
  questions: jsonb('questions').notNull().$type<string[]>(),
  short: text('short').notNull(),
  answer: text('answer').notNull(),
  source: text('source').notNull(),
  tags: jsonb('tags').notNull().$type<string[]>(),
  region: text('region'),
  effectiveFrom: text('effective_from'),
  effectiveTo: text('effective_to'),
  status: text('status', { enum: ['approved', 'draft'] }).notNull(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/**
 * Questions of an entry that were learned from viewers through the moderation queue (they are in
 * the entry's `questions` too): the matcher reads what an entry answers from the ones its author
 * wrote. Not part of the knowledge base's import format.
 */
export const policyLearnedQuestions = pgTable(
  'policy_learned_questions',
  {
    entryId: text('entry_id')
      .notNull()
      .references(() => policyEntries.id),
    question: text('question').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.entryId, t.question] })],
);

/** A question a viewer asked in a Q&A room, with how it was matched and answered. */
export const questions = pgTable(
  'questions',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    roomId: integer('room_id')
      .notNull()
      .references(() => rooms.id),
    liveSessionId: integer('live_session_id').references(() => liveSessions.id),
    chatUserId: integer('chat_user_id')
      .notNull()
      .references(() => chatUsers.id),
    /** The nickname the viewer asked under (chat_users keeps only their latest). */
    askerName: text('asker_name'),
    messageId: text('message_id'),
    text: text('text').notNull(),
    entryId: text('entry_id').references(() => policyEntries.id),
    /** The entry the official answered with from the queue, when not in their own words. */
    answeredEntryId: text('answered_entry_id').references(() => policyEntries.id),
    score: doublePrecision('score').notNull(),
    status: text('status', { enum: QUESTION_STATUSES }).notNull(),
    answer: text('answer'),
    createdAt: createdAt(),
    answeredAt: ms('answered_at'),
  },
  (t) => [index('questions_room_created').on(t.roomId, t.createdAt), index('questions_status').on(t.status)],
);

/**
 * Dashboard logins: the cookie holds a random id and the database only its SHA-256, with the
 * CSRF token bound to it. In the database, so every instance of a deployment honours them.
 */
export const sessions = pgTable(
  'sessions',
  {
    idHash: text('id_hash').primaryKey(),
    csrfToken: text('csrf_token').notNull(),
    createdAt: createdAt(),
    expiresAt: ms('expires_at').notNull(),
  },
  (t) => [index('sessions_expires').on(t.expiresAt)],
);

/** Small shared values: the generated admin token, the export schedule, seed markers. */
/** Scheduled exports, kept in the database so that every instance lists and serves the same files. */
export const exportFiles = pgTable('export_files', {
  name: text('name').primaryKey(),
  kind: text('kind').notNull(),
  bytes: bytea('bytes').notNull(),
  size: integer('size').notNull(),
  createdAt: createdAt(),
});

export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});
