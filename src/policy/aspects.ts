/**
 * What a question asks about its subject: whether there is help with it (a subsidy, paying less),
 * who may have it, from what age, how much, for how long, when, how to apply, what to bring, what
 * it may be used for, what it is. Told apart by
 * general Chinese question forms (多少, 几年, 怎么申请, 带什么), never by anything in a knowledge
 * base, so an official's own entries get the same treatment as the demo's: "扶贫贷款一户顶多给几万"
 * asks an amount, and of the loan entries the one asked "最多能贷多少钱" is its answer.
 */
import { normalizeQuestion } from './text.ts';

export type Aspect = 'relief' | 'who' | 'age' | 'amount' | 'duration' | 'when' | 'procedure' | 'materials' | 'use' | 'definition';

const CUES: [Aspect, RegExp][] = [
  // 找谁 is where to go, not who qualifies.
  ['who', /(?<!找)谁|哪些人|什么人|啥人|哪种人|哪类|哪几类|几类|什么样的|啥样的|什么家庭|条件|资格|够格|符合/u],
  // Asked, or told: "俺都67了，还能办吗" asks whether that age still qualifies.
  ['age', /几岁|多大年纪|多大岁数|岁数|年龄|年纪|\d{2}\s*岁|[二三四五六七八九]十(?:[一二三四五六七八九])?(?:多)?岁|(?:都|已经)\s*(?:[4-9]\d|[四五六七八九]十(?:[一二三四五六七八九])?(?:多)?)(?:了|岁)/u],
  // 能少交点不, 政府给代缴不: help with the cost, not the cost itself.
  ['relief', /有(?:没有)?补(?:贴|助)(?:吗|没|不|呢)|有没有补|资助|减免|少交|免交|代缴|帮(?:着)?交|给补|补多少|能补|报销/u],
  ['amount', /多少|几万|几千|几百|几块|额度|最多|顶多|最高|补几|给几/u],
  ['duration', /几年|多久|多长时间|期限|多少年|几个月|最长|年限/u],
  ['when', /什么时候|啥时候|几月|哪天|何时/u],
  // "逾期了咋办" asks what to do, "咋办低保" how to apply.
  ['procedure', /(?:怎么|咋|如何|怎样|咋个)(?:样)?(?:申请|申报|办(?![\s，。？！,.?!啊呢呀吧嘛哈]|$)|报|弄|成立|注册|报名|领|开|做|认证|交|缴)|流程|手续|找谁|去哪|(?<![现实存正])在哪|到哪(?:里|儿)?(?:办|报|申请|领|交|去)/u],
  ['materials', /材料|证件|(?:带|揣|拿)(?:上|着)?(?:什么|啥|哪些)|准备(?:什么|啥|哪些)|(?:要|得|需要)(?:交|带|拿|准备)?(?:哪些|什么|啥)东西|表格|填表|表[^，。？！]{0,6}填|户口本|身份证/u],
  // "贷的钱能借给亲戚不", "能给儿子办婚礼吗": what the money may be spent on.
  ['use', /用来|用于|用在|拿来|拿去|用途|干什么用|做什么用|干啥用|转借|借给|(?:钱|贷款|借款|扶贫款)(?:能|可以|能不能|可不可以)(?:给|买|盖|养|种|办|还|花)/u],
  ['definition', /是什么|是啥|什么意思|啥意思|咋回事|怎么回事|指的是|指啥/u],
];

export function aspectsOf(text: string): Set<Aspect> {
  const t = normalizeQuestion(text);
  return new Set(CUES.filter(([, cue]) => cue.test(t)).map(([aspect]) => aspect));
}
