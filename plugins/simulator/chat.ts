/**
 * Chat that sounds like a farm-produce stream: orders in many of the grammar's forms (about one
 * message in ten), policy questions, greetings and chatter with emoji. Deterministic for a seed,
 * so a benchmark run is repeatable.
 */

/** A small fast PRNG (mulberry32). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rnd: () => number, list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;

const NUMERALS = ['一', '两', '三', '四', '五'];
const UNITS = ['份', '箱', '袋', '盒', '瓶'];
const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '吴', '龙', '石', '潘', '赵', '黄'];
const GIVEN = ['秀英', '建国', '大山', '春燕', '小芳', '德贵', '金花', '老四', '丽', '勇', '敏', '阿妹'];
const HANDLES = ['山里人', '赶集的', '爱吃土鸡蛋', '贵州老乡', '蜂蜜控', '种地的小王', '远方的游子', '深圳打工人'];

const CHATTER = [
  '主播好！', '来了来了', '老乡好👋', '这个看着不错', '666', '画面好清楚', '刚进来，卖的什么', '支持家乡农产品💪',
  '上次买的红薯很甜', '主播辛苦了', '山里空气真好', '哈哈哈', '🌾🌾🌾', '关注了', '发货快吗', '包邮吗', '有没有优惠',
  '好看', '扣1', '1', '2333', '想回老家了', '这是哪个村', '主播口音好亲切', '👍👍', '蜂蜜是真的吗', '鸡蛋多大个',
];

/** Policy questions as viewers type them: most have an answer in the demo's knowledge base, some wait for the official. */
const QUESTIONS = [
  '小额信贷最多能贷多少？', '新农合在哪里交', '监测户是啥意思', '五保户有啥政策', '雨露计划怎么报名', '危房改造补贴怎么领',
  '养老金几岁能领', '合作社盈余怎么分', '卖自己种的菜要交税吗', '直播带货能说最便宜吗', '832平台是什么', '残疾人有什么补贴',
  '外出打工有路费补贴吗', '宅基地能卖给城里人吗', '扶贫贷款能拿来盖房子吗', '家里遭了火灾有啥救助', '产业奖补怎么申请',
  '易地搬迁户就业有什么政策', '种地补贴一亩多少钱', '以工代赈是什么',
];

function order(rnd: () => number, codes: readonly string[]): string {
  const code = codes.length ? pick(rnd, codes) : '1';
  const n = 1 + Math.floor(rnd() * 3);
  const cn = NUMERALS[n - 1]!;
  const unit = pick(rnd, UNITS);
  const forms = [
    `买${code}号 ${n}${unit}`, `拍${code}号${cn}${unit}`, `${code}号x${n}`, `+${n}`, `来${cn}${unit}`, `#${code} ${n}`,
    `买${code}`, `我要${code}号`, `下单 ${code} x ${n}`, `要${cn}${unit}${code}号`, `!buy ${code} ${n}`, `+1`, `买${code}号 谢谢主播`,
  ];
  return pick(rnd, forms);
}

export interface SimulatedLine {
  user: { id: string; name: string };
  text: string;
}

/** What viewers of an official's policy Q&A stream say besides their questions: nothing to buy. */
const QA_CHATTER = ['书记好！', '来了来了', '老乡好👋', '讲得清楚', '听明白了', '谢谢书记', '👍👍', '原来是这样', '支持', '记下了', '哈哈哈', '刚进来'];

/** `qa`: a policy Q&A stream (a third of the lines are questions, none are orders); otherwise a selling stream. */
export function simulatedLine(rnd: () => number, codes: readonly string[], viewers = 500, qa = false): SimulatedLine {
  const n = Math.floor(rnd() * viewers);
  const name = rnd() < 0.5 ? `${pick(rnd, SURNAMES)}${pick(rnd, GIVEN)}` : `${pick(rnd, HANDLES)}${n % 100}`;
  const roll = rnd();
  const text = qa
    ? roll < 0.35
      ? pick(rnd, QUESTIONS)
      : pick(rnd, QA_CHATTER)
    : roll < 0.1
      ? order(rnd, codes)
      : roll < 0.18
        ? pick(rnd, QUESTIONS)
        : pick(rnd, CHATTER);
  return { user: { id: `sim-${n}`, name }, text };
}
