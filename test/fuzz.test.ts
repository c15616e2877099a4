/**
 * Random and mutated input for every parser that reads what strangers send: chat text, platform
 * frames and lines, import files. None may crash or throw anything but its own refusal.
 * `npm run soak` runs these with many more cases (FUZZ_RUNS).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { relayEvent } from '../plugins/relay/client.ts';
import { douyinEvent } from '../plugins/douyin/index.ts';
import { toEvents } from '../plugins/bilibili/messages.ts';
import { youtubeEvent } from '../plugins/youtube/index.ts';
import { AppError } from '../src/errors.ts';
import { entriesFromCsv } from '../src/policy/csv.ts';
import { readKnowledgeBase } from '../src/policy/entry.ts';
import { parseOrder } from '../src/orders/parser.ts';
import { readShopOrders } from '../src/imports/shop-orders.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);
const CODES = new Set(['1', '2', '3', '12', 'A1', 'B2']);
const ORDERS = ['买3号 2份', '拍5号两份', '+1', '#A1 4', '!buy 12 3', '要两箱3号', '3号x2', '下单 B2 * 4 箱', '来一份'];

/** Text built from the pieces orders are made of, plus anything at all. */
const chatText = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.array(fc.constantFrom('买', '拍', '要', '下单', '号', '份', '箱', 'x', '×', '*', '+', '#', '!buy', ' ', '　', '3', '12', 'a1', '两', '十', '二十', '九十九', '0', '100', '？', '吗', '不', '谢谢', '🍯', '@主播', '\u200b', '\ud800', '<script>'), { maxLength: 12 }).map((a) => a.join('')),
  fc.tuple(fc.constantFrom(...ORDERS), fc.nat(20), fc.string({ maxLength: 3 })).map(([o, at, s]) => o.slice(0, at) + s + o.slice(at)),
);

/** Any JSON value, to stand for a platform message of the wrong shape. */
const anyJson = fc.jsonValue({ maxDepth: 4 });

describe('fuzzing', () => {
  it('the order parser answers every text with a verdict, never an exception', () => {
    fc.assert(
      fc.property(chatText, (text) => {
        const r = parseOrder(text, CODES);
        expect(['order', 'ambiguous', 'none']).toContain(r.kind);
        if (r.kind === 'order') {
          expect(r.qty).toBeGreaterThanOrEqual(1);
          expect(r.qty).toBeLessThanOrEqual(99);
          if (r.code !== null) expect(CODES.has(r.code)).toBe(true);
        }
      }),
      { numRuns: RUNS * 5 },
    );
  });

  it('platform message readers turn any JSON into events or nothing', () => {
    fc.assert(
      fc.property(anyJson, fc.constantFrom('live_comment', 'live_gift', 'live_like', 'x'), (value, msgType) => {
        const bili = toEvents(1, value);
        expect('events' in bili || 'skip' in bili).toBe(true);
        relayEvent(value);
        if (value && typeof value === 'object' && !Array.isArray(value)) {
          douyinEvent(msgType, value as Record<string, unknown>);
          youtubeEvent(value as Parameters<typeof youtubeEvent>[0]);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('the knowledge-base import refuses any malformed file with its own error', () => {
    fc.assert(
      fc.property(
        fc.oneof(anyJson, fc.record({ version: fc.constantFrom(1, 2, '1'), entries: fc.array(fc.dictionary(fc.constantFrom('id', 'title', 'questions', 'short', 'answer', 'source', 'tags', 'status', 'x'), anyJson), { maxLength: 3 }) })),
        (value) => {
          try {
            readKnowledgeBase(value);
          } catch (err) {
            expect(err).toBeInstanceOf(AppError);
            expect((err as AppError).code).toBe('POLICY_IMPORT_INVALID');
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('CSV imports (knowledge base, shop orders) refuse any malformed file with their own error', () => {
    const csv = fc.array(fc.constantFrom('id', 'title', 'questions', 'short', 'answer', 'source', '订单编号', '商品ID', '商品数量', ',', '"', '\n', '\r\n', '|', 'a', '中', '1', '3601001', ' '), { maxLength: 60 }).map((a) => a.join(''));
    const mapping = { columns: { orderId: '订单编号', productId: '商品ID', qty: '商品数量' }, products: { '3601001': '1' } };
    fc.assert(
      fc.property(csv, (text) => {
        for (const read of [() => entriesFromCsv(text), () => readShopOrders(text, mapping, new Set(['1']))]) {
          try {
            read();
          } catch (err) {
            expect(err).toBeInstanceOf(AppError);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });
});
