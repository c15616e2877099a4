import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeChat, parseOrder } from '../../src/orders/parser.ts';

// The contract's development room: codes 1–12, A1, B2; featured product 5.
const CODES = new Set(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12', 'A1', 'B2']);
const FEATURED = '5';

/** [code, qty] as the outside checks see it, with the featured product resolved. */
function resolved(text: string): [string, number] | null {
  const r = parseOrder(text, CODES);
  return r.kind === 'order' ? [r.code ?? FEATURED, r.qty] : null;
}

// The contract's development lines, and 225 more written from the contract's grammar alone by a
// helper that saw neither the parser nor its tests (the outside checks use unseen lines too).
describe.each(['dev', 'blind'])('order grammar: the %s corpus', (set) => {
  const file = path.join(import.meta.dirname, `../fixtures/order-lines.${set}.jsonl`);
  const lines = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { text: string; expect: [string, number] | null });
  it.each(lines)('$text', ({ text, expect: want }) => {
    expect(resolved(text)).toEqual(want);
  });
});

describe('order grammar: each form', () => {
  it.each([
    // 1. !buy / !买
    ['!buy 7 3', ['7', 3]],
    ['!BUY a1', ['A1', 1]],
    ['!买 12 2', ['12', 2]],
    ['！ｂｕｙ　９　２', ['9', 2]],
    // 2. VERB CODE[号] [x|×|*] [QTY][UNIT]
    ['买3', ['3', 1]],
    ['买12', ['12', 1]],
    ['拍3 2', ['3', 2]],
    ['买3号2', ['3', 2]],
    ['买3x2', ['3', 2]],
    ['买3×2份', ['3', 2]],
    ['下单 B2 * 4 箱', ['B2', 4]],
    ['订11号两袋', ['11', 2]],
    ['来7号 二十份', ['7', 20]],
    ['我要3号', ['3', 1]],
    ['要买3号', ['3', 1]],
    ['想拍2号', ['2', 1]],
    ['我想要 10号 九十九份', ['10', 99]],
    ['买 3 号 2 份', ['3', 2]],
    // 3. VERB QTY UNIT CODE[号]
    ['要两箱3号', ['3', 2]],
    ['买2份12号', ['12', 2]],
    ['拍三盒 a1', ['A1', 3]],
    // 4. CODE号 (x|×|*|+)? QTY [UNIT]
    ['3号x2', ['3', 2]],
    ['3号2份', ['3', 2]],
    ['3号+1', ['3', 1]],
    ['12号 十二件', ['12', 12]],
    ['A1号×3', ['A1', 3]],
    ['十二号x2', ['12', 2]],
    // 5. #CODE [QTY]
    ['#12 4', ['12', 4]],
    ['#a1', ['A1', 1]],
    ['#3x2', ['3', 2]],
    // 6. the featured product
    ['+1', ['5', 1]],
    ['+ 2', ['5', 2]],
    ['+3份', ['5', 3]],
    ['来一份', ['5', 1]],
    ['要3箱', ['5', 3]],
    ['买32份', ['5', 32]],
    ['拍 两 单', ['5', 2]],
  ] as const)('%s → %j', (text, want) => {
    expect(resolved(text)).toEqual(want);
  });
});

describe('order grammar: what surrounds an order', () => {
  it.each([
    ['@主播 买3号 2份', ['3', 2]],
    ['@小王 @小李 +1', ['5', 1]],
    ['🍯🍯 买3号', ['3', 1]],
    ['👍🏻买3号', ['3', 1]],
    ['[赞]+1', ['5', 1]],
    ['买3号 2份 谢谢主播', ['3', 2]],
    ['买3号!!!', ['3', 2 - 1]],
    ['+1～', ['5', 1]],
    ['拍5号两份，谢谢老板😄', ['5', 2]],
    ['买3号吧', ['3', 1]],
    ['买\u200b3号', ['3', 1]],
    ['买３号\uFEFF　２份', ['3', 2]],
    ['要两箱3号。', ['3', 2]],
  ] as const)('%s → %j', (text, want) => {
    expect(resolved(text)).toEqual(want);
  });
});

describe('order grammar: not orders', () => {
  it.each([
    '', '   ', '🍯', '1', '扣1', '2333', '666', '3号', 'A1号', '主播好', '买', '买买买', '买三',
    '买32', '买99号', '买0号', '买3号 0份', '买3号 100份', '+0', '+100', '+', '+一',
    '3号好吃吗', '买3号？', '买3号吗', '3号多少钱', '怎么买3号', '买3号 2份 能便宜吗',
    '不要3号', '别买3号', '没买3号', '买了3号', '我买过3号很好吃', '买不起',
    '买3号2份送到北京去', '3号x', '买3x', '!buy', '!buy 99', '#', '#99',
    '要3号的那个', '我们买3号的人多', '买 个 3',
  ])('%j is not an order', (text) => {
    expect(resolved(text)).toBeNull();
  });

  it('keeps digits together as one code: 买32 is product 32, not 3 ×2', () => {
    const codes = new Set([...CODES, '32']);
    expect(parseOrder('买32', codes)).toEqual({ kind: 'order', code: '32', qty: 1 });
  });

  it('lets the longest code win', () => {
    const codes = new Set(['A1', 'A12']);
    expect(parseOrder('买a12', codes)).toEqual({ kind: 'order', code: 'A12', qty: 1 });
    expect(parseOrder('买a1 2', codes)).toEqual({ kind: 'order', code: 'A1', qty: 2 });
  });

  it('gives a reason', () => {
    expect(parseOrder('买3号吗', CODES)).toMatchObject({ kind: 'none', reason: 'question' });
    expect(parseOrder('不要3号', CODES)).toMatchObject({ kind: 'none', reason: 'negation' });
    expect(parseOrder('买99号', CODES)).toMatchObject({ kind: 'none', reason: 'unknown_code' });
    expect(parseOrder('买3号 0份', CODES)).toMatchObject({ kind: 'none', reason: 'qty_out_of_range' });
    expect(parseOrder('买了3号', CODES)).toMatchObject({ kind: 'none', reason: 'past_tense' });
  });
});

describe('order grammar: ambiguous messages go to the confirmation queue', () => {
  it.each([
    ['买三', { code: '3', qty: 1 }],
    ['买32', { code: '3', qty: 2 }],
    ['买3号2份送到北京去', { code: '3', qty: 2 }],
    ['买3两份', { code: '3', qty: 2 }],
  ] as const)('%s suggests %j', (text, suggestion) => {
    expect(parseOrder(text, CODES)).toMatchObject({ kind: 'ambiguous', suggestion });
  });

  it('never queues questions, negations or bare interest', () => {
    for (const text of ['买3号 2份 能便宜吗', '3号', '扣1', '不要买三', '买99号']) {
      expect(parseOrder(text, CODES).kind).toBe('none');
    }
  });
});

describe('normalization', () => {
  it('applies NFKC, drops zero-width characters, folds case and skips leading mentions and emoji', () => {
    expect(normalizeChat('＠主播\u200b　🌾 ＢＵＹ Ａ１')).toBe('buy a1');
  });

  it('takes an order followed by any amount of punctuation or emoji, as the grammar allows', () => {
    expect(parseOrder(`买3号 2份${'！'.repeat(250)}`, CODES)).toMatchObject({ kind: 'order', code: '3', qty: 2 });
    expect(parseOrder(`买3号 2份${'😀'.repeat(150)}`, CODES)).toMatchObject({ kind: 'order', code: '3', qty: 2 });
    expect(parseOrder(`买3号 2份${'好'.repeat(250)}`, CODES).kind).toBe('none');
  });

  it('survives hostile and huge input without throwing', () => {
    for (const text of ['\uD800', '<script>买3号</script>', '买'.repeat(100_000), '\u0000买3号', '+'.repeat(5000), '号'.repeat(300)]) {
      expect(() => parseOrder(text, CODES)).not.toThrow();
    }
    expect(resolved('买'.repeat(100_000))).toBeNull();
  });
});
