import { and, asc, between, desc, eq, inArray, isNull, lt, ne, notInArray, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { AppError, StartupError } from '../../errors.ts';
import type { Household } from '../../households/household.ts';
import { CLAIMING } from '../../orders/order.ts';
import { PATHS } from '../../paths.ts';
import { describeDatabase } from './reach.ts';
import type { Photo, PhotoType } from '../../photos/photo.ts';
import type { Product, ProductSource, ProductSourceView } from '../../products/product.ts';
import type { Page, Store, Tx } from '../store.ts';
import { pgPolicy, pgQuestions } from './policy.ts';
import { listOrders, tallies } from './reports.ts';
import * as schema from './schema.ts';
import { EXPORT_LOCK, loadConfirmations, loadOrders, MIGRATION_LOCK, pgTx, ROOM_LOCK, toRoom, type Db, type Runner } from './tx.ts';

const MIGRATIONS = PATHS.postgresMigrations;

// bigint columns (fen) and counts come back as numbers: every amount stays far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

/** The ownership loop probes every few seconds; a holder silent this long has lost its rooms. */
const LOCK_IDLE_LIMIT_S = 10;
const LOCK_PROBE_TIMEOUT_MS = 5000;
/** A health check waits this long for the database: a load balancer's own timeout is a few seconds. */
const REACH_TIMEOUT_MS = 2000;
const REACH_CACHE_MS = 1000;

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)));
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Worth running again: a deadlock, a serialization failure, or a concurrent insert of the same unique row. */
const RETRYABLE = new Set(['40001', '40P01', '23505']);
const ATTEMPTS = 5;

/**
 * Connects to PostgreSQL, refusing to start with a clear message when it cannot, and brings the
 * schema up to date (one instance at a time: the others wait on an advisory lock).
 */
export async function openPostgresStore(databaseUrl: string): Promise<Store> {
  const where = describeDatabase(databaseUrl);
  // Under a burst, requests queue for a connection (claims on one product take turns anyway); an
  // unreachable server fails at once with ECONNREFUSED, not after the timeout.
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 16, connectionTimeoutMillis: 30_000 });
  // A pooled connection that breaks must not take the process down, idle (the pool's 'error') or
  // checked out between two queries (the client's): the query in flight fails, the next reconnects.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    await pool.end().catch(() => {});
    throw new StartupError(`PostgreSQL at ${where} is not reachable: ${(err as Error).message}`);
  }
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await migrate(drizzle(client, { schema }), { migrationsFolder: MIGRATIONS });
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]);
  } finally {
    client.release();
  }
  return new PostgresStore(pool, drizzle(pool, { schema }), databaseUrl);
}

function isForeignKeyViolation(err: unknown): boolean {
  return (err as { code?: string; cause?: { code?: string } })?.code === '23503' || (err as { cause?: { code?: string } })?.cause?.code === '23503';
}

const codeOf = (err: unknown) => (err as { code?: string })?.code ?? (err as { cause?: { code?: string } })?.cause?.code;

class PostgresStore implements Store {
  readonly dialect = 'postgres';
  policy: Store['policy'];
  questions: Store['questions'];
  /** Room ownership is held as session advisory locks on one dedicated connection: if this process dies, the locks go with it. */
  private lockClient: pg.PoolClient | undefined;
  /** The lock connection being opened: callers meanwhile share it rather than each opening one. */
  private lockConnecting: Promise<pg.PoolClient> | undefined;
  private closed = false;
  /** The health check's own connection, and its last answer. */
  private reachClient: pg.Client | undefined;
  private reach: { at: number; pending: boolean; answer: Promise<boolean> } | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly db: Db,
    readonly databaseUrl: string,
  ) {
    this.policy = pgPolicy(db);
    this.questions = pgQuestions(db);
  }

  async transact<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction((tx) => work(pgTx(tx as unknown as Runner)));
      } catch (err) {
        const code = codeOf(err);
        if (attempt >= ATTEMPTS || !code || !RETRYABLE.has(code)) throw err;
        await new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));
      }
    }
  }

  exportFiles: Store['exportFiles'] = {
    put: async (file) => {
      await this.db.insert(schema.exportFiles).values(file).onConflictDoUpdate({ target: schema.exportFiles.name, set: file });
    },
    list: async () => {
      const f = schema.exportFiles;
      return this.db.select({ name: f.name, kind: f.kind, size: f.size, createdAt: f.createdAt }).from(f).orderBy(desc(f.name));
    },
    get: async (name) => (await this.db.select({ bytes: schema.exportFiles.bytes }).from(schema.exportFiles).where(eq(schema.exportFiles.name, name)))[0]?.bytes,
    prune: async (kind, retain) => {
      const f = schema.exportFiles;
      const keep = this.db.select({ name: f.name }).from(f).where(eq(f.kind, kind)).orderBy(desc(f.name)).limit(retain);
      await this.db.delete(f).where(and(eq(f.kind, kind), notInArray(f.name, keep)));
    },
  };

  /** Takes the room's lock if no instance holds it; true when this instance now owns the room. */
  async lockRoom(roomId: number): Promise<boolean> {
    const client = await this.lockConnection();
    const { rows } = await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1, $2) as ok', [ROOM_LOCK, roomId]);
    return rows[0]!.ok;
  }

  async unlockRoom(roomId: number): Promise<void> {
    await this.lockClient?.query('select pg_advisory_unlock($1, $2)', [ROOM_LOCK, roomId]);
  }

  /**
   * Probes the connection that holds the room locks. True when it broke since the last call: every
   * lock went with it and another instance may already run those rooms.
   */
  async roomLocksLost(): Promise<boolean> {
    const client = this.lockClient;
    if (!client) return false;
    try {
      await withTimeout(client.query('select 1'), LOCK_PROBE_TIMEOUT_MS);
      return false;
    } catch {
      this.lockClient = undefined;
      client.release(true);
      return true;
    }
  }

  /**
   * On a connection of its own, not the pool's: a stampede of orders keeps every pooled connection
   * busy, and a health check queued behind them would report a working instance dead (and take
   * every instance out of a load balancer at the peak). One answer a second at most, however often
   * the open route is asked.
   */
  reachable(): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    // One check at a time, and its answer for a second after.
    if (this.reach && (this.reach.pending || Date.now() - this.reach.at < REACH_CACHE_MS)) return this.reach.answer;
    const reach = { at: Date.now(), pending: true, answer: Promise.resolve(false) };
    reach.answer = (async () => {
      let client = this.reachClient;
      try {
        client ??= this.reachClient = await this.connectReachClient();
        await withTimeout(client.query('select 1'), REACH_TIMEOUT_MS);
        return true;
      } catch {
        // Broken or stuck: the next check opens a new one.
        if (client) void client.end().catch(() => {});
        if (this.reachClient === client) this.reachClient = undefined;
        return false;
      } finally {
        reach.pending = false;
        reach.at = Date.now();
      }
    })();
    this.reach = reach;
    return reach.answer;
  }

  private async connectReachClient(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.databaseUrl, connectionTimeoutMillis: REACH_TIMEOUT_MS });
    client.on('error', () => {});
    try {
      await withTimeout(client.connect(), REACH_TIMEOUT_MS);
    } catch (err) {
      void client.end().catch(() => {});
      throw err;
    }
    if (this.closed) {
      await client.end().catch(() => {});
      throw new AppError('DATABASE_UNAVAILABLE', 'the store is closed');
    }
    return client;
  }

  /**
   * One connection holds every room lock. Opened once even when several rooms ask at the same
   * moment, and given back at once when the store closed while it was being opened: a second
   * connection overwriting the first, or one arriving after close, was never released, and the
   * pool's end waited for it forever.
   */
  private lockConnection(): Promise<pg.PoolClient> {
    if (this.lockClient) return Promise.resolve(this.lockClient);
    this.lockConnecting ??= (async () => {
      const client = await this.pool.connect();
      // The server drops a lock holder that stops probing (a machine that vanished without closing
      // its socket), so its rooms move within seconds instead of after TCP's two-hour keepalive.
      await client.query(`set idle_session_timeout = '${LOCK_IDLE_LIMIT_S}s'`).catch(() => {});
      await client.query(`set tcp_keepalives_idle = 5; set tcp_keepalives_interval = 2; set tcp_keepalives_count = 3`).catch(() => {});
      if (this.closed) {
        client.release(true);
        throw new AppError('DATABASE_UNAVAILABLE', 'the store is closed');
      }
      this.lockClient = client;
      return client;
    })().finally(() => (this.lockConnecting = undefined));
    return this.lockConnecting;
  }

  /** Runs `work` only if no other instance is running it now (the scheduled exports). */
  async exclusively(name: string, work: () => Promise<void>): Promise<boolean> {
    const client = await this.pool.connect();
    try {
      const { rows } = await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1, hashtext($2)) as ok', [EXPORT_LOCK, name]);
      if (!rows[0]!.ok) return false;
      try {
        await work();
      } finally {
        await client.query('select pg_advisory_unlock($1, hashtext($2))', [EXPORT_LOCK, name]);
      }
      return true;
    } finally {
      client.release();
    }
  }

  orders: Store['orders'] = {
    list: (filter) => listOrders(this.db, filter),
    get: async (id) => (await loadOrders(this.db, [id]))[0],
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
        .offset(offset);
    },
    get: async (id) => (await this.db.select().from(schema.chatUsers).where(eq(schema.chatUsers.id, id)))[0],
    updateContact: async (id, contact) => {
      const [row] = await this.db
        .update(schema.chatUsers)
        .set({ ...contact, updatedAt: new Date() })
        .where(eq(schema.chatUsers.id, id))
        .returning();
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
      await this.db.insert(schema.featureLog).values({ roomId, productId, at });
    },
    current: async (roomId) =>
      (
        await this.db
          .select({ productId: schema.featureLog.productId, at: schema.featureLog.at })
          .from(schema.featureLog)
          .where(eq(schema.featureLog.roomId, roomId))
          .orderBy(desc(schema.featureLog.at), desc(schema.featureLog.id))
          .limit(1)
      )[0],
  };

  tallies: Store['tallies'] = (filter) => tallies(this.db, filter);

  // Summed on each refresh, by the database (see orders_live_session in schema.ts); the embedded
  // engine reads running totals instead, because there the sum would run in the event loop.
  sessionSales: Store['sessionSales'] = async (roomId) => {
    const [session] = await this.db
      .select({ id: schema.liveSessions.id })
      .from(schema.liveSessions)
      .where(and(eq(schema.liveSessions.roomId, roomId), isNull(schema.liveSessions.endedAt)))
      .orderBy(desc(schema.liveSessions.id))
      .limit(1);
    if (!session) return { liveSessionId: null, grossFen: 0, orders: 0 };
    const o = schema.orders;
    const [row] = await this.db
      .select({ grossFen: sql<number>`coalesce(sum(${schema.orderLines.grossFen}), 0)::bigint`, orders: sql<number>`count(distinct ${o.id})::int` })
      .from(o)
      .innerJoin(schema.orderLines, eq(schema.orderLines.orderId, o.id))
      .where(and(eq(o.liveSessionId, session.id), inArray(o.status, [...CLAIMING])));
    return { liveSessionId: session.id, ...row! };
  };

  sessions: Store['sessions'] = {
    create: async (session) => {
      // Expired sessions are swept whenever someone logs in: there are never many.
      await this.db.delete(schema.sessions).where(lt(schema.sessions.expiresAt, session.createdAt));
      await this.db.insert(schema.sessions).values(session);
    },
    get: async (idHash) =>
      (await this.db.select({ csrfToken: schema.sessions.csrfToken, expiresAt: schema.sessions.expiresAt }).from(schema.sessions).where(eq(schema.sessions.idHash, idHash)))[0],
    remove: async (idHash) => {
      await this.db.delete(schema.sessions).where(eq(schema.sessions.idHash, idHash));
    },
  };

  households: Store['households'] = {
    create: async (input) => {
      const now = new Date();
      const [row] = await this.db
        .insert(schema.households)
        .values({ name: input.name, village: input.village ?? null, phone: input.phone ?? null, povertyStatus: input.povertyStatus ?? 'none', createdAt: now, updatedAt: now })
        .returning();
      return row!;
    },
    list: async ({ limit, offset }) => this.db.select().from(schema.households).orderBy(asc(schema.households.id)).limit(limit).offset(offset),
    get: async (id) => (await this.db.select().from(schema.households).where(eq(schema.households.id, id)))[0],
    update: async (id, patch) => {
      const [row] = await this.db
        .update(schema.households)
        .set({ ...patch, updatedAt: new Date() })
        .where(eq(schema.households.id, id))
        .returning();
      if (!row) throw new AppError('HOUSEHOLD_NOT_FOUND', String(id));
      return row as Household;
    },
    remove: async (id) => {
      try {
        const [gone] = await this.db.delete(schema.households).where(eq(schema.households.id, id)).returning();
        if (!gone) throw new AppError('HOUSEHOLD_NOT_FOUND', String(id));
      } catch (err) {
        if (isForeignKeyViolation(err)) throw new AppError('HOUSEHOLD_IN_USE', String(id));
        throw err;
      }
    },
  };

  products: Store['products'] = {
    create: async (input) => {
      const id = await this.db.transaction(async (tx) => {
        await this.assertCodeFree(tx, input.code);
        await this.assertHouseholdsExist(tx, input.sources);
        const now = new Date();
        const [row] = await tx
          .insert(schema.products)
          .values({ code: input.code, name: input.name, unit: input.unit, priceFen: input.priceFen, stock: input.stock, story: input.story ?? null, createdAt: now, updatedAt: now })
          .returning({ id: schema.products.id });
        await this.writeSources(tx, row!.id, input.sources);
        return row!.id;
      }).catch((err) => {
        // Two instances taking the same code at once: the unique index decides.
        if (codeOf(err) === '23505') throw new AppError('PRODUCT_CODE_TAKEN', input.code);
        throw err;
      });
      return (await this.loadProduct(id))!;
    },
    list: async (page) => this.loadProducts(0, Number.MAX_SAFE_INTEGER, page),
    get: async (id) => this.loadProduct(id),
    codes: async () => (await this.db.select({ code: schema.products.code }).from(schema.products)).map((r) => r.code),
    getByCode: async (code) => {
      const [row] = await this.db.select({ id: schema.products.id }).from(schema.products).where(eq(schema.products.code, code));
      return row ? this.loadProduct(row.id) : undefined;
    },
    update: async (id, patch) => {
      await this.db.transaction(async (tx) => {
        const { sources, ...fields } = patch;
        if (fields.code !== undefined) await this.assertCodeFree(tx, fields.code, id);
        if (sources) await this.assertHouseholdsExist(tx, sources);
        const [row] = await tx
          .update(schema.products)
          .set({ ...fields, updatedAt: new Date() })
          .where(eq(schema.products.id, id))
          .returning({ id: schema.products.id });
        if (!row) throw new AppError('PRODUCT_NOT_FOUND', String(id));
        if (sources) {
          await tx.delete(schema.productSources).where(eq(schema.productSources.productId, id));
          await this.writeSources(tx, id, sources);
        }
      });
      return (await this.loadProduct(id))!;
    },
    remove: async (id) => {
      try {
        await this.db.transaction(async (tx) => {
          const [gone] = await tx.delete(schema.products).where(eq(schema.products.id, id)).returning();
          if (!gone) throw new AppError('PRODUCT_NOT_FOUND', String(id));
          if (gone.photoId) await this.dropPhotoIfUnused(tx, gone.photoId);
        });
      } catch (err) {
        if (isForeignKeyViolation(err)) throw new AppError('PRODUCT_IN_USE', String(id));
        throw err;
      }
    },
    setPhoto: async (id, photo) => {
      await this.db.transaction(async (tx) => {
        const [before] = await tx.select({ photoId: schema.products.photoId }).from(schema.products).where(eq(schema.products.id, id));
        if (!before) throw new AppError('PRODUCT_NOT_FOUND', String(id));
        if (photo) await tx.insert(schema.photos).values(photo).onConflictDoNothing();
        await tx
          .update(schema.products)
          .set({ photoId: photo?.id ?? null, updatedAt: new Date() })
          .where(eq(schema.products.id, id));
        if (before.photoId && before.photoId !== photo?.id) await this.dropPhotoIfUnused(tx, before.photoId);
      });
      return (await this.loadProduct(id))!;
    },
  };

  photos: Store['photos'] = {
    get: async (id) => {
      const [row] = await this.db.select().from(schema.photos).where(eq(schema.photos.id, id));
      return row ? ({ ...row, mime: row.mime as PhotoType } satisfies Photo) : undefined;
    },
  };

  rooms: Store['rooms'] = {
    create: async (input) => {
      const now = new Date();
      const [row] = await this.db
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
        .returning();
      return toRoom(row!);
    },
    list: async ({ limit, offset }) => (await this.db.select().from(schema.rooms).orderBy(asc(schema.rooms.id)).limit(limit).offset(offset)).map(toRoom),
    get: async (id) => {
      const [row] = await this.db.select().from(schema.rooms).where(eq(schema.rooms.id, id));
      return row ? toRoom(row) : undefined;
    },
    update: async (id, patch) => {
      const { limits, ...fields } = patch;
      const [row] = await this.db
        .update(schema.rooms)
        .set({ ...fields, ...(limits ? { limits: { ...limits } } : {}), updatedAt: new Date() })
        .where(eq(schema.rooms.id, id))
        .returning();
      if (!row) throw new AppError('ROOM_NOT_FOUND', String(id));
      return toRoom(row);
    },
  };

  settings: Store['settings'] = {
    get: async (key) => (await this.db.select().from(schema.settings).where(eq(schema.settings.key, key)))[0]?.value,
    set: async (key, value) => {
      await this.db.insert(schema.settings).values({ key, value }).onConflictDoUpdate({ target: schema.settings.key, set: { value } });
    },
    setIfAbsent: async (key, value) => {
      await this.db.insert(schema.settings).values({ key, value }).onConflictDoNothing();
      return (await this.db.select().from(schema.settings).where(eq(schema.settings.key, key)))[0]!.value;
    },
  };

  async close(): Promise<void> {
    this.closed = true;
    // Destroyed, not returned to the pool: the room locks end with the session.
    this.lockClient?.release(true);
    this.lockClient = undefined;
    await Promise.all([this.pool.end(), this.reachClient?.end().catch(() => {})]);
  }

  private async assertCodeFree(tx: Runner, code: string, exceptId?: number): Promise<void> {
    const [clash] = await tx
      .select({ id: schema.products.id })
      .from(schema.products)
      .where(exceptId === undefined ? eq(schema.products.code, code) : and(eq(schema.products.code, code), ne(schema.products.id, exceptId)));
    if (clash) throw new AppError('PRODUCT_CODE_TAKEN', code);
  }

  private async assertHouseholdsExist(tx: Runner, sources: readonly ProductSource[]): Promise<void> {
    const ids = sources.map((s) => s.householdId);
    const found = new Set((await tx.select({ id: schema.households.id }).from(schema.households).where(inArray(schema.households.id, ids))).map((r) => r.id));
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length) throw new AppError('SOURCE_HOUSEHOLD_UNKNOWN', missing.join(', '));
  }

  private async writeSources(tx: Runner, productId: number, sources: readonly ProductSource[]): Promise<void> {
    await tx.insert(schema.productSources).values(sources.map((s, position) => ({ productId, householdId: s.householdId, share: s.share, position })));
  }

  private async dropPhotoIfUnused(tx: Runner, photoId: string): Promise<void> {
    const [used] = await tx.select({ id: schema.products.id }).from(schema.products).where(eq(schema.products.photoId, photoId));
    if (!used) await tx.delete(schema.photos).where(eq(schema.photos.id, photoId));
  }

  /** Products with ids in [from, to] (a page, or a single product) and their sources, by id. */
  private async loadProducts(from: number, to: number, page?: Page): Promise<Product[]> {
    let query = this.db
      .select()
      .from(schema.products)
      .where(between(schema.products.id, from, Math.min(to, 2_147_483_647)))
      .orderBy(asc(schema.products.id))
      .$dynamic();
    if (page) query = query.limit(page.limit).offset(page.offset);
    const rows = await query;
    if (rows.length === 0) return [];
    const sources = await this.db
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
      .orderBy(asc(schema.productSources.productId), asc(schema.productSources.position));
    const byProduct = new Map<number, ProductSourceView[]>();
    for (const { productId, ...source } of sources) {
      const list = byProduct.get(productId) ?? [];
      list.push(source);
      byProduct.set(productId, list);
    }
    return rows.map((row) => ({ ...row, sources: byProduct.get(row.id) ?? [] }));
  }

  private async loadProduct(id: number): Promise<Product | undefined> {
    return (await this.loadProducts(id, id))[0];
  }
}
