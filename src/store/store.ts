/**
 * What the domain needs from storage. Domain modules and routes see only this interface; which
 * database sits underneath (embedded SQLite, or PostgreSQL in the scale-out mode) is the store's
 * business alone. Every method is async so both engines fit the same shape.
 */
import type { LedgerEntry, TallyFilter, TallyRow } from '../attribution/ledger.ts';
import type { MessageOutcome } from '../chat/message.ts';
import type { Household, HouseholdInput } from '../households/household.ts';
import type { Buyer, Order, OrderLine, OrderOrigin, OrderStatus } from '../orders/order.ts';
import type { Photo } from '../photos/photo.ts';
import type { PolicyEntry } from '../policy/entry.ts';
import type { Question, QuestionStatus } from '../policy/question.ts';
import type { Product, ProductInput, ProductPatch } from '../products/product.ts';
import type { Platform, Room, RoomLimits, RoomInput, RoomPatch } from '../rooms/room.ts';

export interface ExportFile {
  name: string;
  /** What it holds, e.g. `tallies.xlsx`. */
  kind: string;
  size: number;
  createdAt: Date;
}

export interface Page {
  limit: number;
  offset: number;
}

/** A new room as stored: defaults already applied by the domain. */
export interface NewRoom extends Omit<RoomInput, 'limits'> {
  overlayToken: string;
  limits: RoomLimits;
}

export interface StoredRoomPatch extends Omit<RoomPatch, 'limits'> {
  limits?: RoomLimits;
  overlayToken?: string;
  enabled?: boolean;
}

/** A product as a claim needs it, read inside the transaction (locked where the engine locks rows). */
export interface ClaimProduct {
  id: number;
  code: string;
  name: string;
  priceFen: number;
  stock: number;
  sources: { householdId: number; share: number }[];
}

export interface NewOrder {
  roomId: number;
  liveSessionId: number | null;
  messageId: string | null;
  chatUserId: number;
  /** The buyer as the platform knows them, and the nickname they had when ordering. */
  buyer: Buyer;
  status: OrderStatus;
  origin: OrderOrigin;
  externalRef?: string | null;
  holdExpiresAt: Date | null;
  /** `stockShort`: units of `qty` not taken from stock (a shop import selling more than we counted). */
  lines: { productId: number; code: string; name: string; qty: number; priceFen: number; stockShort?: number }[];
  createdAt: Date;
}

/** An order with its line ids, as the ledger needs them. */
export type StoredOrder = Omit<Order, 'lines'> & { buyerName: string; lines: (OrderLine & { id: number; stockShort: number })[] };

/** What a just-inserted order is, built from what was written rather than read back (the hot path). */
export function insertedOrder(id: number, o: NewOrder, lines: StoredOrder['lines']): StoredOrder {
  return {
    id,
    roomId: o.roomId,
    liveSessionId: o.liveSessionId,
    messageId: o.messageId,
    chatUserId: o.chatUserId,
    buyerName: o.buyer.name,
    buyer: o.buyer,
    status: o.status,
    origin: o.origin,
    lines,
    holdExpiresAt: o.holdExpiresAt,
    createdAt: o.createdAt,
    updatedAt: o.createdAt,
  };
}

export interface Confirmation {
  id: number;
  roomId: number;
  liveSessionId: number | null;
  messageId: string;
  chatUserId: number;
  buyer: { platform: string; userId: string; name: string };
  text: string;
  suggestedCode: string | null;
  suggestedQty: number;
  reason: string;
  sentAt: Date;
  status: 'pending' | 'accepted' | 'rejected';
  orderId: number | null;
  createdAt: Date;
  decidedAt: Date | null;
}

/** A viewer as their platform knows them, with contact details the cooperative added. */
export interface ChatUser {
  id: number;
  platform: Platform;
  platformUserId: string;
  displayName: string;
  contactName: string | null;
  contactPhone: string | null;
  contactAddress: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface QuestionFilter {
  roomId?: number;
  liveSessionId?: number;
  status?: QuestionStatus;
  from?: Date;
  to?: Date;
}

export interface OrderFilter extends Page {
  roomId?: number;
  householdId?: number;
  status?: OrderStatus;
  from?: Date;
  to?: Date;
}

/**
 * The operations a write transaction may use. Bodies of `Store.transact` await only these, never
 * other I/O: the embedded engine batches many bodies into one commit and must not be interleaved.
 * A body may run more than once (after a shared batch was rolled back), so it changes nothing
 * outside the transaction: it returns what it did.
 */
export interface Tx {
  messageOutcome(roomId: number, messageId: string): Promise<MessageOutcome | undefined>;
  saveMessage(m: {
    roomId: number;
    messageId: string;
    chatUserId: number;
    text: string;
    sentAt: Date;
    receivedAt: Date;
    outcome: MessageOutcome;
  }): Promise<void>;
  /** Finds or creates the viewer, keeping their latest nickname; returns its id. */
  chatUser(platform: string, platformUserId: string, displayName: string, now: Date): Promise<number>;
  /** The room's open live session, started now if there is none. */
  liveSession(roomId: number, now: Date): Promise<number>;
  room(roomId: number): Promise<Room | undefined>;
  productByCode(code: string): Promise<ClaimProduct | undefined>;
  /** The product featured (讲解中) in the room at `at`, or null. */
  featuredAt(roomId: number, at: Date): Promise<number | null>;
  productForClaim(productId: number): Promise<ClaimProduct | undefined>;
  /** Adds `delta` (negative to take) to the stock and returns the new stock; never below zero. */
  adjustStock(productId: number, delta: number): Promise<number>;
  openOrderCount(chatUserId: number, liveSessionId: number): Promise<number>;
  insertOrder(order: NewOrder): Promise<StoredOrder>;
  order(id: number): Promise<StoredOrder | undefined>;
  orderIdByExternalRef(roomId: number, externalRef: string): Promise<number | undefined>;
  updateOrder(id: number, change: { status: OrderStatus; holdExpiresAt: Date | null; updatedAt: Date }): Promise<StoredOrder>;
  /** Shrinks a waitlisted order's line when part of it moves to a new held order. */
  setLineQty(orderLineId: number, qty: number): Promise<void>;
  /** Waitlisted orders for the product, first come first; locked until the transaction ends, where the engine locks rows. */
  waitlisted(productId: number, limit: number): Promise<StoredOrder[]>;
  /** Held orders whose hold ran out at `now`. */
  dueHolds(now: Date, limit: number): Promise<number[]>;
  appendLedger(entries: readonly LedgerEntry[]): Promise<void>;
  ledgerOf(orderId: number): Promise<LedgerEntry[]>;
  /** `askerName`: the nickname the viewer asked under, kept with the question. */
  insertQuestion(q: Omit<Question, 'id' | 'asker' | 'answeredAt' | 'answeredEntryId'> & { answeredAt: Date | null; askerName: string }): Promise<number>;
  insertConfirmation(c: Omit<Confirmation, 'id' | 'buyer' | 'status' | 'orderId' | 'decidedAt'> & { buyerName: string }): Promise<number>;
  /** Locked until the transaction ends, like `order`. */
  confirmation(id: number): Promise<Confirmation | undefined>;
  decideConfirmation(id: number, decision: { status: 'accepted' | 'rejected'; orderId: number | null; decidedAt: Date }): Promise<void>;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';

  /**
   * Runs `work` as one atomic unit, durably committed before the promise resolves; a thrown error
   * rolls back everything it wrote. See `Tx` for what `work` may await.
   */
  transact<T>(work: (tx: Tx) => Promise<T>): Promise<T>;

  orders: {
    list(filter: OrderFilter): Promise<Order[]>;
    get(id: number): Promise<Order | undefined>;
  };

  chatUsers: {
    list(filter: Page & { platform?: Platform; platformUserId?: string }): Promise<ChatUser[]>;
    get(id: number): Promise<ChatUser | undefined>;
    /** Throws CHAT_USER_NOT_FOUND. */
    updateContact(id: number, contact: Partial<Pick<ChatUser, 'contactName' | 'contactPhone' | 'contactAddress'>>): Promise<ChatUser>;
  };

  confirmations: {
    list(filter: Page & { roomId?: number; status?: Confirmation['status'] }): Promise<Confirmation[]>;
  };

  features: {
    record(roomId: number, productId: number | null, at: Date): Promise<void>;
    current(roomId: number): Promise<{ productId: number | null; at: Date } | undefined>;
  };

  tallies(filter: TallyFilter): Promise<TallyRow[]>;

  /** What the room's open live session has sold so far (held or paid), for the goal bar. */
  sessionSales(roomId: number): Promise<{ liveSessionId: number | null; grossFen: number; orders: number }>;

  policy: {
    /** Every entry, drafts included, by id. */
    entries(): Promise<PolicyEntry[]>;
    get(id: string): Promise<PolicyEntry | undefined>;
    /** Inserts or updates (by id) every entry in one transaction: all or nothing. */
    upsert(entries: readonly PolicyEntry[]): Promise<number>;
    /**
     * Appends one question learned from a viewer to an entry in one transaction, unless the entry
     * already has it or `max` questions (or does not exist): whether it was added.
     */
    addQuestion(id: string, question: string, max: number): Promise<boolean>;
    /** The questions each entry learned from viewers (`addQuestion`), by entry id. */
    learned(): Promise<Map<string, Set<string>>>;
    /** Changes whenever an entry changes: matchers rebuild their index when it does. */
    version(): Promise<string>;
  };

  questions: {
    list(filter: QuestionFilter & Page): Promise<Question[]>;
    get(id: number): Promise<Question | undefined>;
    /** Answers or dismisses a queued question. Throws QUESTION_NOT_FOUND, QUESTION_NOT_QUEUED (it never was), or QUESTION_DECIDED (no longer). */
    decide(id: number, decision: { status: 'answered_by_official' | 'dismissed'; answer: string | null; answeredAt: Date; answeredEntryId?: string }): Promise<Question>;
    /**
     * Back to the official's queue: questions recorded as answered whose answer never reached chat
     * (collected for a combined answer that could not go out). Returns those that were still answered.
     */
    requeue(ids: readonly number[]): Promise<Question[]>;
    /** Most-asked entries first. */
    topics(filter: QuestionFilter): Promise<{ entryId: string; title: string; asked: number; answered: number }[]>;
  };

  sessions: {
    create(session: { idHash: string; csrfToken: string; createdAt: Date; expiresAt: Date }): Promise<void>;
    get(idHash: string): Promise<{ csrfToken: string; expiresAt: Date } | undefined>;
    remove(idHash: string): Promise<void>;
  };

  households: {
    create(input: HouseholdInput): Promise<Household>;
    list(page: Page): Promise<Household[]>;
    get(id: number): Promise<Household | undefined>;
    /** Throws HOUSEHOLD_NOT_FOUND. */
    update(id: number, patch: Partial<HouseholdInput>): Promise<Household>;
    /** Throws HOUSEHOLD_NOT_FOUND, or HOUSEHOLD_IN_USE while it supplies a product or has ledger entries. */
    remove(id: number): Promise<void>;
  };

  products: {
    /** Throws PRODUCT_CODE_TAKEN or SOURCE_HOUSEHOLD_UNKNOWN, writing nothing. */
    create(input: ProductInput): Promise<Product>;
    list(page: Page): Promise<Product[]>;
    get(id: number): Promise<Product | undefined>;
    getByCode(code: string): Promise<Product | undefined>;
    /** Every product code, for the order parser. */
    codes(): Promise<string[]>;
    /** Replaces the sources when `patch.sources` is given. Throws as `create`, or PRODUCT_NOT_FOUND. */
    update(id: number, patch: ProductPatch): Promise<Product>;
    /** Throws PRODUCT_NOT_FOUND, or PRODUCT_IN_USE once it has orders. */
    remove(id: number): Promise<void>;
    /** Stores the photo (deduplicated by id) and points the product at it; null clears. */
    setPhoto(id: number, photo: Photo | null): Promise<Product>;
  };

  photos: {
    get(id: string): Promise<Photo | undefined>;
  };

  rooms: {
    create(input: NewRoom): Promise<Room>;
    list(page: Page): Promise<Room[]>;
    get(id: number): Promise<Room | undefined>;
    /** Throws ROOM_NOT_FOUND. */
    update(id: number, patch: StoredRoomPatch): Promise<Room>;
  };

  /** Files the export schedule wrote, newest first when listed. */
  exportFiles: {
    put(file: ExportFile & { bytes: Buffer }): Promise<void>;
    list(): Promise<ExportFile[]>;
    get(name: string): Promise<Buffer | undefined>;
    /** Deletes all but the newest `retain` files of the kind. */
    prune(kind: string, retain: number): Promise<void>;
  };

  settings: {
    get(key: string): Promise<string | undefined>;
    set(key: string, value: string): Promise<void>;
    /** Stores `value` unless the key is already set; returns what is stored either way. */
    setIfAbsent(key: string, value: string): Promise<string>;
  };

  /**
   * Room ownership across instances: true when this instance may run the room's adapter (and now
   * holds it until unlock or death). The embedded engine has one instance, which owns every room.
   */
  lockRoom(roomId: number): Promise<boolean>;
  unlockRoom(roomId: number): Promise<void>;
  /** True when the room locks were lost since the last call (the connection holding them broke). */
  roomLocksLost(): Promise<boolean>;
  /** Runs `work` unless another instance is already running the same named job; false if it was. */
  exclusively(name: string, work: () => Promise<void>): Promise<boolean>;

  /** Whether the database answers now (within a couple of seconds): the health check asks. */
  reachable(): Promise<boolean>;

  /** Finishes pending writes and closes the database. */
  close(): Promise<void>;
}
