/**
 * Chat text → order, per the contract's grammar. When in doubt a message is not an order: a
 * wrong order costs a household a held box and a buyer their trust, a missed one costs a retype.
 * Messages that look like orders but break the grammar in a way a person would forgive come
 * back as `ambiguous`, with a suggestion the streamer can accept from the confirmation queue.
 */

/** A product the message names, or `null` for the featured product (讲解中). */
export type OrderIntent = { code: string | null; qty: number };

export type NotOrderReason =
  | 'empty'
  | 'not_an_order'
  | 'question'
  | 'negation'
  | 'past_tense'
  | 'unknown_code'
  | 'qty_out_of_range'
  | 'trailing_text';

export type ParseResult =
  | ({ kind: 'order' } & OrderIntent)
  | { kind: 'ambiguous'; suggestion: OrderIntent; reason: NotOrderReason }
  | { kind: 'none'; reason: NotOrderReason };

export const MAX_QTY = 99;
/** Longer texts are chat, not orders; scanning them is wasted work on the hot path. */
const MAX_ORDER_TEXT = 200;

const ZERO_WIDTH = /[\u200B-\u200D\u2060\uFEFF\u180E\u00AD]/g;
const NFKC_STABLE = /^[\u0020-\u007E\u4E00-\u9FFF]*$/;
// Keycaps (1️⃣) before digits; bracketed text emotes ([赞]) as Douyin and Bilibili send them.
const EMOJI = String.raw`(?:[0-9#*]\uFE0F?\u20E3|\p{Extended_Pictographic}|\p{Emoji_Modifier}|\p{Regional_Indicator}|\uFE0F|\[[^\[\]\s]{1,8}\])`;
const LEADING_NOISE = new RegExp(String.raw`^(?:\s+|@\S+|${EMOJI})+`, 'u');
const ALLOWED_TAIL = new RegExp(String.raw`^(?:\s|[!.,~。、]|${EMOJI}|谢谢主播|谢谢老板|谢谢|哦|呀|啊|吧)*$`, 'u');
/** One character of what may follow an order (bracketed emotes aside). */
const TAIL_CHAR = /[\s!.,~。、\p{Extended_Pictographic}\p{Emoji_Modifier}\p{Regional_Indicator}\uFE0F\u20E3]/u;

/**
 * The text's length without the run of punctuation and emoji it ends with, which the grammar lets
 * follow an order however long. Walked back from the end, character by character: a regex
 * anchored at the end retried from every position, and 799 "!" and an "x" cost 3.5 ms a message.
 */
function lengthBeforeTail(text: string): number {
  let end = text.length;
  while (end > 0) {
    const low = text.charCodeAt(end - 1);
    const width = low >= 0xdc00 && low <= 0xdfff && end > 1 ? 2 : 1;
    if (!TAIL_CHAR.test(text.slice(end - width, end))) break;
    end -= width;
  }
  return end;
}

const QUESTION = /[?？吗呢]|怎么|多少|几号|能不能|是不是|有没有/;
const NEGATION = /[不别没]|算了/;
const PAST = /[买拍要订]了|[买拍要订]过/;

const VERBS = ['下单', '买', '拍', '要', '来', '订'];
const VERB_PREFIXES = ['我要', '我想', '我', '要', '想', ''];
/** Every prefix with every verb, in the order they are tried, joined once rather than per message. */
const VERB_FORMS = VERB_PREFIXES.flatMap((prefix) => VERBS.map((verb) => prefix + verb));
const UNITS = '份件箱斤个袋盒瓶包单';
const ARABIC = /\d+/y;
const CHINESE_NUMBER = /(?:[一二三四五六七八九]?十[一二三四五六七八九]?|[一二两三四五六七八九])/y;
const CODE_TOKEN = /[a-z]{0,4}\d+/y;
const MULTIPLIERS = 'x×*';

const DIGIT: Record<string, number> = { 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };

/** The text as the grammar sees it: NFKC, no zero-width characters, Latin letters lower-cased, leading @mentions and emoji gone. */
export function normalizeChat(text: string): string {
  // Printable ASCII and common CJK ideographs are already NFKC without zero-width characters:
  // most chat is, and normalizing it anyway was the parser's largest single cost.
  const plain = NFKC_STABLE.test(text) ? text : text.normalize('NFKC').replace(ZERO_WIDTH, '');
  return plain.toLowerCase().replace(LEADING_NOISE, '').trim();
}

/** A small cursor over the normalized text; every `take…` moves only on success. */
class Scanner {
  constructor(
    readonly s: string,
    public i = 0,
  ) {}

  spaces(): boolean {
    const start = this.i;
    while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++;
    return this.i > start;
  }

  take(word: string): boolean {
    if (!this.s.startsWith(word, this.i)) return false;
    this.i += word.length;
    return true;
  }

  takeOneOf(chars: string): string | null {
    const c = this.s[this.i];
    if (c === undefined || !chars.includes(c)) return null;
    this.i++;
    return c;
  }

  /** Arabic digits (all of them: `2333` is one number) or a Chinese numeral up to 99. */
  number(): { value: number; arabic: boolean } | null {
    const arabic = this.sticky(ARABIC);
    if (arabic) {
      this.i += arabic[0].length;
      return { value: arabic[0].length > 3 ? Infinity : Number(arabic[0]), arabic: true };
    }
    const chinese = this.sticky(CHINESE_NUMBER);
    if (!chinese) return null;
    this.i += chinese[0].length;
    return { value: chineseValue(chinese[0]), arabic: false };
  }

  /** `[a-z]{0,4}` then digits, taken whole; the caller decides whether it names a product. */
  codeToken(): string | null {
    const m = this.sticky(CODE_TOKEN);
    if (!m) return null;
    this.i += m[0].length;
    return m[0].toUpperCase();
  }

  /** A sticky pattern matched at the cursor, without copying the rest of the text. */
  private sticky(pattern: RegExp): RegExpExecArray | null {
    pattern.lastIndex = this.i;
    return pattern.exec(this.s);
  }

  rest(): string {
    return this.s.slice(this.i);
  }
}

function chineseValue(text: string): number {
  if (text.length === 1 && text !== '十') return DIGIT[text]!;
  const [tens, ones] = text.split('十') as [string, string];
  return (tens ? DIGIT[tens]! : 1) * 10 + (ones ? DIGIT[ones]! : 0);
}

type Match = { intent: OrderIntent; end: number } | { fail: NotOrderReason; suggestion?: OrderIntent };

const validQty = (n: number) => Number.isInteger(n) && n >= 1 && n <= MAX_QTY;

/**
 * After a code: `[号] [x|×|*] [QTY][UNIT]`. A quantity needs something between it and a digit
 * code (号, a space or a multiplier), so `买32` stays product 32.
 */
function codeTail(sc: Scanner, code: string, plusAllowed = false): Match {
  const spaced = sc.spaces();
  const hao = sc.take('号');
  sc.spaces();
  const mult = sc.takeOneOf(plusAllowed ? `${MULTIPLIERS}+` : MULTIPLIERS);
  const afterMult = sc.spaces();
  const before = sc.i;
  const qty = sc.number();
  if (!qty) {
    if (mult) return { fail: 'not_an_order' };
    sc.i = before;
    return { intent: { code, qty: 1 }, end: sc.i };
  }
  const separated = spaced || hao || mult !== null || afterMult;
  if (!separated) return { fail: 'not_an_order', suggestion: validQty(qty.value) ? { code, qty: qty.value } : undefined };
  sc.spaces();
  sc.takeOneOf(UNITS);
  if (!validQty(qty.value)) return { fail: 'qty_out_of_range' };
  return { intent: { code, qty: qty.value }, end: sc.i };
}

/** A known code at the cursor, or a Chinese-numeral code that 号 follows (`十二号`). */
function knownCode(sc: Scanner, codes: ReadonlySet<string>): { code: string } | { fail: NotOrderReason; suggestion?: OrderIntent } | null {
  const start = sc.i;
  const token = sc.codeToken();
  if (token !== null) {
    if (codes.has(token)) return { code: token };
    // `买32` with no product 32 but a product 3: maybe "3, two of them" (not with 号: `买32号` names 32).
    const split = /^\s*号/.test(sc.rest()) ? null : /^(\d+)(\d)$/.exec(token);
    const suggestion = split && codes.has(split[1]!) && validQty(Number(split[2])) ? { code: split[1]!, qty: Number(split[2]) } : undefined;
    return { fail: 'unknown_code', suggestion };
  }
  const num = sc.number();
  if (num && !num.arabic) {
    const beforeHao = sc.i;
    sc.spaces();
    if (sc.s[sc.i] === '号') {
      const code = String(num.value);
      sc.i = beforeHao;
      return codes.has(code) ? { code } : { fail: 'unknown_code' };
    }
    // `买三`: a person would read product 3, the grammar does not.
    const code = String(num.value);
    sc.i = start;
    return { fail: 'not_an_order', suggestion: codes.has(code) ? { code, qty: 1 } : undefined };
  }
  sc.i = start;
  return null;
}

function afterVerb(sc: Scanner, codes: ReadonlySet<string>): Match {
  sc.spaces();
  const start = sc.i;
  // `VERB QTY UNIT` (featured) or `VERB QTY UNIT CODE[号]`: a number right before a unit is a quantity.
  const qty = sc.number();
  if (qty) {
    sc.spaces();
    if (sc.takeOneOf(UNITS)) {
      if (!validQty(qty.value)) return { fail: 'qty_out_of_range' };
      const end = sc.i;
      sc.spaces();
      const code = knownCode(sc, codes);
      if (code && 'code' in code) {
        sc.spaces();
        sc.take('号');
        return { intent: { code: code.code, qty: qty.value }, end: sc.i };
      }
      return { intent: { code: null, qty: qty.value }, end };
    }
  }
  sc.i = start;
  const code = knownCode(sc, codes);
  if (!code) return { fail: 'not_an_order' };
  if ('fail' in code) return code;
  return codeTail(sc, code.code);
}

function matchOrder(sc: Scanner, codes: ReadonlySet<string>): Match {
  if (sc.take('!buy') || sc.take('!买')) {
    sc.spaces();
    const code = knownCode(sc, codes);
    if (!code) return { fail: 'not_an_order' };
    return 'fail' in code ? code : codeTail(sc, code.code);
  }
  if (sc.take('#')) {
    sc.spaces();
    const code = knownCode(sc, codes);
    if (!code) return { fail: 'not_an_order' };
    return 'fail' in code ? code : codeTail(sc, code.code);
  }
  if (sc.take('+')) {
    sc.spaces();
    const qty = sc.number();
    if (!qty || !qty.arabic) return { fail: 'not_an_order' };
    if (!validQty(qty.value)) return { fail: 'qty_out_of_range' };
    sc.spaces();
    sc.takeOneOf(UNITS);
    return { intent: { code: null, qty: qty.value }, end: sc.i };
  }
  for (const form of VERB_FORMS) if (sc.take(form)) return afterVerb(sc, codes);
  // `CODE号 (x|×|*|+)? QTY [UNIT]`: the quantity is required, a bare `3号` is only interest.
  const code = knownCode(sc, codes);
  if (!code || 'fail' in code) return { fail: code && 'fail' in code && code.fail === 'unknown_code' ? 'unknown_code' : 'not_an_order' };
  sc.spaces();
  if (!sc.take('号')) return { fail: 'not_an_order' };
  sc.spaces();
  sc.takeOneOf(`${MULTIPLIERS}+`);
  sc.spaces();
  const qty = sc.number();
  if (!qty) return { fail: 'not_an_order' };
  sc.spaces();
  sc.takeOneOf(UNITS);
  if (!validQty(qty.value)) return { fail: 'qty_out_of_range' };
  return { intent: { code: code.code, qty: qty.value }, end: sc.i };
}

/** Why a message that is not an order is not one, for the reasons a streamer would care about. */
function classify(text: string): NotOrderReason | null {
  if (QUESTION.test(text)) return 'question';
  if (PAST.test(text)) return 'past_tense';
  if (NEGATION.test(text)) return 'negation';
  return null;
}

/**
 * Parses one chat message against the room's product codes (upper-case). `code: null` in the
 * result means the featured product at the message's time.
 */
export function parseOrder(raw: string, codes: ReadonlySet<string>): ParseResult {
  if (raw.length > MAX_ORDER_TEXT * 4) return { kind: 'none', reason: 'not_an_order' };
  const text = normalizeChat(raw);
  if (text === '') return { kind: 'none', reason: 'empty' };
  // The grammar lets any amount of punctuation and emoji follow an order (买3号 2份！！！…), up
  // to the guard on the raw text above (MAX_ORDER_TEXT × 4 UTF-16 units, some 400 emoji).
  if (text.length > MAX_ORDER_TEXT && lengthBeforeTail(text) > MAX_ORDER_TEXT) return { kind: 'none', reason: 'not_an_order' };

  const sc = new Scanner(text);
  const match = matchOrder(sc, codes);
  const marked = classify(text);
  if ('fail' in match) {
    if (marked) return { kind: 'none', reason: marked };
    return match.suggestion ? { kind: 'ambiguous', suggestion: match.suggestion, reason: match.fail } : { kind: 'none', reason: match.fail };
  }
  const tail = text.slice(match.end);
  if (ALLOWED_TAIL.test(tail)) return { kind: 'order', ...match.intent };
  // An order followed by other words: a question or a change of mind is not an order; anything
  // else ("买3号 2份 送给我妈") is probably one, for the streamer to confirm.
  if (marked) return { kind: 'none', reason: marked };
  return { kind: 'ambiguous', suggestion: match.intent, reason: 'trailing_text' };
}
