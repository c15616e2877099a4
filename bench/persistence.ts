/**
 * Order persistence: one transaction per order, each committed (and fsynced) before the next
 * starts (the naive baseline), against the project's write path, where orders arriving together
 * share a commit. Every order is durable before it is acknowledged in both.
 */
import type { ChatMessage } from '../src/chat/message.ts';
import { parseOrder } from '../src/orders/parser.ts';
import { progress, type Result } from './report.ts';
import { benchApp, benchShop, closeBench } from './setup.ts';

const NAIVE = Number(process.env.BENCH_NAIVE ?? 1500);
const GROUPED = Number(process.env.BENCH_GROUPED ?? 30_000);
const WINDOW = 1000;

async function run(count: number, concurrent: boolean): Promise<number> {
  const { app, dir } = await benchApp();
  const { room } = await benchShop(app);
  const stored = (await app.store.rooms.get(room.id))!;
  const codes = await app.catalog.codes();
  const message = (i: number): ChatMessage => ({
    roomId: room.id,
    platform: 'push',
    messageId: `p-${i}`,
    user: { id: `u${i % 3000}`, name: `买家${i % 3000}` },
    text: i % 2 ? '买1号 2份' : '买2号',
    sentAt: new Date(),
    receivedAt: new Date(),
  });
  const place = (i: number) => {
    const msg = message(i);
    return app.orders.placeFromMessage(stored, msg, parseOrder(msg.text, codes));
  };
  const t0 = performance.now();
  if (concurrent) {
    // A thousand orders in flight at a time, as a crowd of clients would keep them.
    let next = 0;
    await Promise.all(
      Array.from({ length: WINDOW }, async () => {
        while (next < count) await place(next++);
      }),
    );
  } else {
    for (let i = 0; i < count; i++) await place(i);
  }
  const seconds = (performance.now() - t0) / 1000;
  const stored_ = await app.store.orders.list({ roomId: room.id, limit: 1, offset: 0 });
  if (stored_.length === 0) throw new Error('no orders were stored');
  await closeBench(app, dir);
  return count / seconds;
}

export async function persistence(): Promise<Result> {
  progress(`order persistence: ${NAIVE} orders one by one, ${GROUPED} through the write queue…`);
  const naive = await run(NAIVE, false);
  const grouped = await run(GROUPED, true);
  return {
    name: 'order-persistence',
    figures: { orders: GROUPED, durableOrdersPerSec: Math.round(grouped) },
    baseline: { orders: NAIVE, oneTransactionPerOrderPerSec: Math.round(naive) },
    ratio: grouped / naive,
  };
}
