import { and, desc, eq, exists, gte, lt, notExists, or, sql, type SQL } from 'drizzle-orm';
import type { TallyFilter, TallyRow } from '../../attribution/ledger.ts';
import { CLAIMING, PAID, type Order } from '../../orders/order.ts';
import type { OrderFilter } from '../store.ts';
import * as schema from './schema.ts';
import { loadOrders, type Runner } from './tx.ts';

const { orders, orderLines, ledgerEntries: le, households, products, rooms, productSources } = schema;

/** Orders newest first, filtered as `GET /api/orders` allows. */
export async function listOrders(db: Runner, f: OrderFilter): Promise<Order[]> {
  const where: SQL[] = [];
  if (f.roomId !== undefined) where.push(eq(orders.roomId, f.roomId));
  if (f.status !== undefined) where.push(eq(orders.status, f.status));
  if (f.from) where.push(gte(orders.createdAt, f.from));
  if (f.to) where.push(lt(orders.createdAt, f.to));
  if (f.householdId !== undefined) {
    // The ledger says whose goods a claim was. Only an order that never claimed (waitlisted, or
    // cancelled while waiting) goes by its product's sources as they are now: a claimed order
    // whose product later changed households is not the new household's.
    where.push(
      or(
        exists(db.select({ one: sql`1` }).from(le).where(and(eq(le.orderId, orders.id), eq(le.householdId, f.householdId)))),
        and(
          notExists(db.select({ one: sql`1` }).from(le).where(eq(le.orderId, orders.id))),
          exists(
            db
              .select({ one: sql`1` })
              .from(orderLines)
              .innerJoin(productSources, eq(productSources.productId, orderLines.productId))
              .where(and(eq(orderLines.orderId, orders.id), eq(productSources.householdId, f.householdId))),
          ),
        ),
      )!,
    );
  }
  const ids = (
    await db
      .select({ id: orders.id })
      .from(orders)
      .where(and(...where))
      .orderBy(desc(orders.createdAt), desc(orders.id))
      .limit(f.limit)
      .offset(f.offset)
  ).map((r) => r.id);
  // Large pages are loaded in slices: PostgreSQL caps the number of bound parameters.
  const out: Order[] = [];
  for (let i = 0; i < ids.length; i += 10_000) out.push(...(await loadOrders(db, ids.slice(i, i + 10_000))));
  return out;
}

const inList = (values: readonly string[]) => sql.join(values.map((v) => sql`${v}`), sql`, `);

/** Ledger sums per household, product or room, over orders placed in the period. */
export async function tallies(db: Runner, f: TallyFilter): Promise<TallyRow[]> {
  const where: SQL[] = [];
  if (f.roomId !== undefined) where.push(eq(le.roomId, f.roomId));
  if (f.from) where.push(gte(orders.createdAt, f.from));
  if (f.to) where.push(lt(orders.createdAt, f.to));
  const amounts = {
    orders: sql<number>`count(distinct case when ${orders.status} in (${inList(CLAIMING)}) then ${le.orderId} end)::int`,
    quantity: sql<number>`coalesce(sum(${le.quantity}), 0)::bigint`,
    grossFen: sql<number>`coalesce(sum(${le.grossFen}), 0)::bigint`,
    platformFeeFen: sql<number>`coalesce(sum(${le.platformFeeFen}), 0)::bigint`,
    commissionFen: sql<number>`coalesce(sum(${le.commissionFen}), 0)::bigint`,
    netFen: sql<number>`coalesce(sum(${le.netFen}), 0)::bigint`,
    paidNetFen: sql<number>`coalesce(sum(case when ${orders.status} in (${inList(PAID)}) then ${le.netFen} else 0 end), 0)::bigint`,
    liftedNetFen: sql<number>`coalesce(sum(case when ${households.povertyStatus} = 'lifted' then ${le.netFen} else 0 end), 0)::bigint`,
    monitoredNetFen: sql<number>`coalesce(sum(case when ${households.povertyStatus} = 'monitored' then ${le.netFen} else 0 end), 0)::bigint`,
  };
  // The same sums under three keys (ledger rows always have a product and a room to join).
  const groups = {
    household: { key: { householdId: households.id, householdName: households.name, village: households.village, povertyStatus: households.povertyStatus }, by: households.id },
    product: { key: { productId: products.id, code: products.code, name: products.name }, by: products.id },
    room: { key: { roomId: rooms.id, roomName: rooms.name, platform: rooms.platform }, by: rooms.id },
  };
  const group = groups[f.groupBy];
  return (await db
    .select({ ...group.key, ...amounts })
    .from(le)
    .innerJoin(orders, eq(orders.id, le.orderId))
    .innerJoin(households, eq(households.id, le.householdId))
    .innerJoin(products, eq(products.id, le.productId))
    .innerJoin(rooms, eq(rooms.id, le.roomId))
    .where(and(...where))
    .groupBy(group.by)
    .orderBy(group.by)) as TallyRow[];
}
