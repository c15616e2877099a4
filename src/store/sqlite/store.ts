import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { and, asc, between, desc, eq, inArray, isNull, lt, ne, notInArray } from 'drizzle-orm';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { AppError } from '../../errors.ts';
import { PATHS } from '../../paths.ts';
import type { Household } from '../../households/household.ts';
import type { Photo, PhotoType } from '../../photos/photo.ts';
import type { Product, ProductSource, ProductSourceView } from '../../products/product.ts';
import type { Page, Store, Tx } from '../store.ts';
import { sqlitePolicy, sqliteQuestions } from './policy.ts';
import { listOrders, tallies } from './reports.ts';
import { toRoom } from './rows.ts';
import * as schema from './schema.ts';
import { loadConfirmations, loadOrders, sqliteTx } from './tx.ts';
import { WriteQueue } from './write-queue.ts';

const MIGRATIONS = PATHS.sqliteMigrations;

type Db = BetterSQLite3Database<typeof schema>;

/**
 * Opens (creating if needed) the SQLite database at `file:PATH` (`file::memory:` for tests) and
 * brings its schema up to date before anything else touches it.
 */
export function openSqliteStore(databaseUrl: string, onInterleave: (detail: string) => void = () => {}): Store {
  const file = databaseUrl.replace(/^file:/, '');
  const memory = file === ':memory:' || file === '';
  if (!memory) fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new Database(memory ? ':memory:' : file);
  sqlite.pragma('journal_mode = WAL');
  // FULL: a commit is on disk before anyone hears "ok", power loss included.
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // A busy stream touches the same few pages all the time: keep them in memory (64 MiB).
  sqlite.pragma('cache_size = -65536');
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder: MIGRATIONS });
  return new SqliteStore(sqlite, db, onInterleave);
}

/** better-sqlite3 reports constraint violations with these codes. */
function isForeignKeyViolation(err: unknown): boolean {
  return (err as { code?: string })?.code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

class SqliteStore implements Store {
  readonly dialect = 'sqlite';
  private readonly writes: WriteQueue;
  private readonly tx: Tx;

  constructor(
    private readonly sqlite: Database.Database,
    private readonly db: Db,
    onInterleave: (detail: string) => void,
  ) {
    const tx = sqliteTx(db, sqlite);
    this.writes = new WriteQueue(sqlite, onInterleave, () => tx.endBatch());
    this.tx = tx;
    this.policy = sqlitePolicy(db);
    this.questions = sqliteQuestions(db);
  }

  transact<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.writes.run(() => work(this.tx));
  }

  orders: Store['orders'] = {
    list: async (filter) => listOrders(this.db, filter),
    get: async (id) => loadOrders(this.db, [id])[0],
  };

  chatUsers: Store['chatUsers'] = {
    list: async ({ platform, platformUserId, limit, offset }) => {
      const u = schema.chatUsers;
      return this.db
        .select()
        .from(u)
        .where(and(platform ? eq(u.platform, platform) : undefined, platformUserId !== undefined ? eq(u.platformUserId, platformUserId) : undefined))
        .orderBy(asc(u.id))
        .limit(limit)
        .offset(offset)
        .all();
    },
    get: async (id) => this.db.select().from(schema.chatUsers).where(eq(schema.chatUsers.id, id)).get(),
    updateContact: async (id, contact) => {
      const row = this.db
        .update(schema.chatUsers)
        .set({ ...contact, updatedAt: new Date() })
        .where(eq(schema.chatUsers.id, id))
        .returning()
        .get();
      if (!row) throw new AppError('CHAT_USER_NOT_FOUND', String(id));
      return row;
    },
  };

  confirmations: Store['confirmations'] = {
    list: async ({ roomId, status, limit, offset }) => {
      const c = schema.confirmations;
      return loadConfirmations(this.db, and(roomId === undefined ? undefined : eq(c.roomId, roomId), status ? eq(c.status, status) : undefined) as ReturnType<typeof eq>, limit, offset);
    },
  };

  features: Store['features'] = {
    record: async (roomId, productId, at) => {
      this.db.insert(schema.featureLog).values({ roomId, productId, at }).run();
    },
    current: async (roomId) =>
      this.db
        .select({ productId: schema.featureLog.productId, at: schema.featureLog.at })
        .from(schema.featureLog)
        .where(eq(schema.featureLog.roomId, roomId))
        .orderBy(desc(schema.featureLog.at), desc(schema.featureLog.id))
        .get(),
  };

  tallies: Store['tallies'] = async (filter) => tallies(this.db, filter);

  sessionSales: Store['sessionSales'] = async (roomId) => {
    const s = schema.liveSessions;
    const session = this.db
      .select({ id: s.id, grossFen: s.salesGrossFen, orders: s.salesOrders })
      .from(s)
      .where(and(eq(s.roomId, roomId), isNull(s.endedAt)))
      .orderBy(desc(s.id))
      .get();
    return session ? { liveSessionId: session.id, grossFen: session.grossFen, orders: session.orders } : { liveSessionId: null, grossFen: 0, orders: 0 };
  };

  policy: Store['policy'];
  questions: Store['questions'];

  sessions: Store['sessions'] = {
    create: async (session) => {
      // Expired sessions are swept whenever someone logs in: there are never many.
      this.db.delete(schema.sessions).where(lt(schema.sessions.expiresAt, session.createdAt)).run();
      this.db.insert(schema.sessions).values(session).run();
    },
    get: async (idHash) =>
      this.db.select({ csrfToken: schema.sessions.csrfToken, expiresAt: schema.sessions.expiresAt }).from(schema.sessions).where(eq(schema.sessions.idHash, idHash)).get(),
    remove: async (idHash) => {
      this.db.delete(schema.sessions).where(eq(schema.sessions.idHash, idHash)).run();
    },
  };

  // Queries run synchronously inside; the async signatures are the interface's, shared with PostgreSQL.

  households: Store['households'] = {
    create: async (input) => {
      const now = new Date();
      return this.db
        .insert(schema.households)
        .values({
          name: input.name,
          village: input.village ?? null,
          phone: input.phone ?? null,
          povertyStatus: input.povertyStatus ?? 'none',
          createdAt: now,
          updatedAt: now,
        })
        .returning()
        .get();
    },
    list: async ({ limit, offset }) =>
      this.db.select().from(schema.households).orderBy(asc(schema.households.id)).limit(limit).offset(offset).all(),
    get: async (id) => this.db.select().from(schema.households).where(eq(schema.households.id, id)).get(),
    update: async (id, patch) => {
      const row = this.db
        .update(schema.households)
        .set({ ...patch, updatedAt: new Date() })
        .where(eq(schema.households.id, id))
        .returning()
        .get();
      if (!row) throw new AppError('HOUSEHOLD_NOT_FOUND', String(id));
      return row as Household;
    },
    remove: async (id) => {
      try {
        const gone = this.db.delete(schema.households).where(eq(schema.households.id, id)).returning().get();
        if (!gone) throw new AppError('HOUSEHOLD_NOT_FOUND', String(id));
      } catch (err) {
        if (isForeignKeyViolation(err)) throw new AppError('HOUSEHOLD_IN_USE', String(id));
        throw err;
      }
    },
  };

  products: Store['products'] = {
    create: async (input) => {
      const id = this.db.transaction((tx) => {
        this.assertCodeFree(tx, input.code);
        this.assertHouseholdsExist(tx, input.sources);
        const now = new Date();
        const { id } = tx
          .insert(schema.products)
          .values({
            code: input.code,
            name: input.name,
            unit: input.unit,
            priceFen: input.priceFen,
            stock: input.stock,
            story: input.story ?? null,
            createdAt: now,
            updatedAt: now,
          })
          .returning({ id: schema.products.id })
          .get();
        this.writeSources(tx, id, input.sources);
        return id;
      });
      return this.loadProduct(id)!;
    },
    list: async (page) => this.loadProducts(0, Number.MAX_SAFE_INTEGER, page),
    get: async (id) => this.loadProduct(id),
    codes: async () => this.db.select({ code: schema.products.code }).from(schema.products).all().map((r) => r.code),
    getByCode: async (code) => {
      const row = this.db.select({ id: schema.products.id }).from(schema.products).where(eq(schema.products.code, code)).get();
      return row ? this.loadProduct(row.id) : undefined;
    },
    update: async (id, patch) => {
      this.db.transaction((tx) => {
        const { sources, ...fields } = patch;
        if (fields.code !== undefined) this.assertCodeFree(tx, fields.code, id);
        if (sources) this.assertHouseholdsExist(tx, sources);
        const row = tx
          .update(schema.products)
          .set({ ...fields, updatedAt: new Date() })
          .where(eq(schema.products.id, id))
          .returning({ id: schema.products.id })
          .get();
        if (!row) throw new AppError('PRODUCT_NOT_FOUND', String(id));
        if (sources) {
          tx.delete(schema.productSources).where(eq(schema.productSources.productId, id)).run();
          this.writeSources(tx, id, sources);
        }
      });
      return this.loadProduct(id)!;
    },
    remove: async (id) => {
      try {
        this.db.transaction((tx) => {
          const gone = tx.delete(schema.products).where(eq(schema.products.id, id)).returning().get();
          if (!gone) throw new AppError('PRODUCT_NOT_FOUND', String(id));
          if (gone.photoId) this.dropPhotoIfUnused(tx, gone.photoId);
        });
      } catch (err) {
        if (isForeignKeyViolation(err)) throw new AppError('PRODUCT_IN_USE', String(id));
        throw err;
      }
    },
    setPhoto: async (id, photo) => {
      this.db.transaction((tx) => {
        const before = tx.select({ photoId: schema.products.photoId }).from(schema.products).where(eq(schema.products.id, id)).get();
        if (!before) throw new AppError('PRODUCT_NOT_FOUND', String(id));
        if (photo) tx.insert(schema.photos).values(photo).onConflictDoNothing().run();
        tx.update(schema.products)
          .set({ photoId: photo?.id ?? null, updatedAt: new Date() })
          .where(eq(schema.products.id, id))
          .run();
        if (before.photoId && before.photoId !== photo?.id) this.dropPhotoIfUnused(tx, before.photoId);
      });
      return this.loadProduct(id)!;
    },
  };

  photos: Store['photos'] = {
    get: async (id) => {
      const row = this.db.select().from(schema.photos).where(eq(schema.photos.id, id)).get();
      return row ? ({ ...row, mime: row.mime as PhotoType } satisfies Photo) : undefined;
    },
  };

  rooms: Store['rooms'] = {
    create: async (input) => {
      const now = new Date();
      const row = this.db
        .insert(schema.rooms)
        .values({
          name: input.name,
          platform: input.platform,
          config: input.config ?? {},
          platformFeeRate: input.platformFeeRate ?? 0,
          commissionRate: input.commissionRate ?? 0,
          qa: input.qa ?? false,
          goalFen: input.goalFen ?? 0,
          overlayToken: input.overlayToken,
          limits: { ...input.limits },
          createdAt: now,
          updatedAt: now,
        })
        .returning()
        .get();
      return toRoom(row);
    },
    list: async ({ limit, offset }) =>
      this.db.select().from(schema.rooms).orderBy(asc(schema.rooms.id)).limit(limit).offset(offset).all().map(toRoom),
    get: async (id) => {
      const row = this.db.select().from(schema.rooms).where(eq(schema.rooms.id, id)).get();
      return row ? toRoom(row) : undefined;
    },
    update: async (id, patch) => {
      const { limits, ...fields } = patch;
      const row = this.db
        .update(schema.rooms)
        .set({ ...fields, ...(limits ? { limits: { ...limits } } : {}), updatedAt: new Date() })
        .where(eq(schema.rooms.id, id))
        .returning()
        .get();
      if (!row) throw new AppError('ROOM_NOT_FOUND', String(id));
      return toRoom(row);
    },
  };

  settings: Store['settings'] = {
    get: async (key) => this.db.select().from(schema.settings).where(eq(schema.settings.key, key)).get()?.value,
    set: async (key, value) => {
      this.db.insert(schema.settings).values({ key, value }).onConflictDoUpdate({ target: schema.settings.key, set: { value } }).run();
    },
    setIfAbsent: async (key, value) => {
      this.db.insert(schema.settings).values({ key, value }).onConflictDoNothing().run();
      return this.db.select().from(schema.settings).where(eq(schema.settings.key, key)).get()!.value;
    },
  };

  exportFiles: Store['exportFiles'] = {
    put: async (file) => {
      this.db.insert(schema.exportFiles).values(file).onConflictDoUpdate({ target: schema.exportFiles.name, set: file }).run();
    },
    list: async () => {
      const f = schema.exportFiles;
      return this.db.select({ name: f.name, kind: f.kind, size: f.size, createdAt: f.createdAt }).from(f).orderBy(desc(f.name)).all();
    },
    get: async (name) => this.db.select({ bytes: schema.exportFiles.bytes }).from(schema.exportFiles).where(eq(schema.exportFiles.name, name)).get()?.bytes,
    prune: async (kind, retain) => {
      const f = schema.exportFiles;
      const keep = this.db.select({ name: f.name }).from(f).where(eq(f.kind, kind)).orderBy(desc(f.name)).limit(retain);
      this.db.delete(f).where(and(eq(f.kind, kind), notInArray(f.name, keep))).run();
    },
  };

  // One process owns the embedded database, and so every room and every job.
  async lockRoom(): Promise<boolean> {
    return true;
  }

  async unlockRoom(): Promise<void> {}

  async roomLocksLost(): Promise<boolean> {
    return false;
  }

  async reachable(): Promise<boolean> {
    // A local file: open is reachable.
    return this.sqlite.open;
  }

  private readonly jobs = new Set<string>();

  async exclusively(name: string, work: () => Promise<void>): Promise<boolean> {
    if (this.jobs.has(name)) return false;
    this.jobs.add(name);
    try {
      await work();
      return true;
    } finally {
      this.jobs.delete(name);
    }
  }

  async close(): Promise<void> {
    await this.writes.drain();
    if (this.sqlite.open) this.sqlite.close();
  }

  private assertCodeFree(tx: Pick<Db, 'select'>, code: string, exceptId?: number): void {
    const clash = tx
      .select({ id: schema.products.id })
      .from(schema.products)
      .where(exceptId === undefined ? eq(schema.products.code, code) : and(eq(schema.products.code, code), ne(schema.products.id, exceptId)))
      .get();
    if (clash) throw new AppError('PRODUCT_CODE_TAKEN', code);
  }

  private assertHouseholdsExist(tx: Pick<Db, 'select'>, sources: readonly ProductSource[]): void {
    const ids = sources.map((s) => s.householdId);
    const found = new Set(
      tx
        .select({ id: schema.households.id })
        .from(schema.households)
        .where(inArray(schema.households.id, ids))
        .all()
        .map((r) => r.id),
    );
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length) throw new AppError('SOURCE_HOUSEHOLD_UNKNOWN', missing.join(', '));
  }

  private writeSources(tx: Pick<Db, 'insert'>, productId: number, sources: readonly ProductSource[]): void {
    tx.insert(schema.productSources)
      .values(sources.map((s, position) => ({ productId, householdId: s.householdId, share: s.share, position })))
      .run();
  }

  private dropPhotoIfUnused(tx: Pick<Db, 'select' | 'delete'>, photoId: string): void {
    const used = tx.select({ id: schema.products.id }).from(schema.products).where(eq(schema.products.photoId, photoId)).get();
    if (!used) tx.delete(schema.photos).where(eq(schema.photos.id, photoId)).run();
  }

  /** Products with ids in [from, to] (a page, or a single product) and their sources, by id. */
  private loadProducts(from: number, to: number, page?: Page): Product[] {
    const inRange = between(schema.products.id, from, to);
    let query = this.db.select().from(schema.products).where(inRange).orderBy(asc(schema.products.id)).$dynamic();
    if (page) query = query.limit(page.limit).offset(page.offset);
    const rows = query.all();
    if (rows.length === 0) return [];
    const sources = this.db
      .select({
        productId: schema.productSources.productId,
        householdId: schema.productSources.householdId,
        share: schema.productSources.share,
        householdName: schema.households.name,
        povertyStatus: schema.households.povertyStatus,
      })
      .from(schema.productSources)
      .innerJoin(schema.households, eq(schema.households.id, schema.productSources.householdId))
      .where(between(schema.productSources.productId, rows[0]!.id, rows.at(-1)!.id))
      .orderBy(asc(schema.productSources.productId), asc(schema.productSources.position))
      .all();
    const byProduct = new Map<number, ProductSourceView[]>();
    for (const { productId, ...source } of sources) {
      const list = byProduct.get(productId) ?? [];
      list.push(source);
      byProduct.set(productId, list);
    }
    return rows.map((row) => ({ ...row, sources: byProduct.get(row.id) ?? [] }));
  }

  private loadProduct(id: number): Product | undefined {
    return this.loadProducts(id, id)[0];
  }
}
