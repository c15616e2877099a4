/**
 * What the overlays of a room show, as the plain data the pages render with textContent. Buyers
 * are masked (张**): an overlay URL sits in a streaming setup and may leak.
 */
import type { OrderView } from '../chat/message.ts';
import type { PovertyStatus } from '../households/household.ts';
import { toOrderView } from '../orders/service.ts';
import type { Product } from '../products/product.ts';
import type { Store } from '../store/store.ts';

export interface ProductCard {
  id: number;
  code: string;
  name: string;
  unit: string;
  priceFen: number;
  stock: number;
  photoUrl: string | null;
  story: string | null;
  households: { name: string; povertyStatus: PovertyStatus }[];
}

export interface TickerItem {
  orderId: number;
  buyer: string;
  code: string;
  product: string;
  qty: number;
  status: string;
  at: string;
}

export interface GoalState {
  goalFen: number;
  grossFen: number;
  orders: number;
}

export interface QaCard {
  question: string;
  short: string;
  source: string;
  at: string;
}

export interface FeaturedChat {
  name: string;
  text: string;
  at: string;
}

export interface OverlayState {
  room: { id: number; name: string };
  featured: ProductCard | null;
  orders: TickerItem[];
  goal: GoalState;
  qa: QaCard | null;
  chat: FeaturedChat | null;
}

const segmenter = new Intl.Segmenter('zh-CN', { granularity: 'grapheme' });

/** `张三丰` → `张**`; the first visible character, whatever it is made of, then two stars. */
export function maskBuyer(name: string): string {
  const trimmed = name.trim();
  // Most names start with a plain character; only emoji and combining marks need the segmenter.
  const plain = /^[\p{L}\p{N}](?![\p{M}\u200D\uFE0F])/u.exec(trimmed)?.[0];
  const first = plain ?? segmenter.segment(trimmed).containing(0)?.segment ?? '';
  return `${first || '*'}**`;
}

export function productCard(publicUrl: string, p: Product): ProductCard {
  return {
    id: p.id,
    code: p.code,
    name: p.name,
    unit: p.unit,
    priceFen: p.priceFen,
    stock: p.stock,
    photoUrl: p.photoId ? `${publicUrl}/photos/${p.photoId}` : null,
    story: p.story,
    households: p.sources.map((s) => ({ name: s.householdName, povertyStatus: s.povertyStatus })),
  };
}

export function tickerItem(o: OrderView): TickerItem | undefined {
  const line = o.lines[0];
  if (!line) return undefined;
  return { orderId: o.id, buyer: maskBuyer(o.buyer.name), code: line.code, product: line.name, qty: line.qty, status: o.status, at: o.createdAt };
}

export async function featuredCard(store: Store, publicUrl: string, roomId: number): Promise<ProductCard | null> {
  const current = await store.features.current(roomId);
  const product = current?.productId ? await store.products.get(current.productId) : undefined;
  return product ? productCard(publicUrl, product) : null;
}

export async function goalState(store: Store, roomId: number, goalFen: number): Promise<GoalState> {
  const sales = await store.sessionSales(roomId);
  return { goalFen, grossFen: sales.grossFen, orders: sales.orders };
}

/** The whole state, sent to an overlay the moment it connects: a reload shows the current card at once. */
export async function overlayState(store: Store, publicUrl: string, roomId: number, transient: { qa: QaCard | null; chat: FeaturedChat | null }): Promise<OverlayState | undefined> {
  const room = await store.rooms.get(roomId);
  if (!room) return undefined;
  const recent = await store.orders.list({ roomId, limit: 8, offset: 0 });
  return {
    room: { id: room.id, name: room.name },
    featured: await featuredCard(store, publicUrl, roomId),
    orders: recent
      .filter((o) => o.status !== 'waitlisted')
      .map((o) => tickerItem(toOrderView(o)))
      .filter((t): t is TickerItem => t !== undefined)
      .reverse(),
    goal: await goalState(store, roomId, room.goalFen),
    ...transient,
  };
}
