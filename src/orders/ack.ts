import { REFUSALS, type RefusalCode } from '../chat/message.ts';
import type { Order } from './order.ts';

/** Nicknames are hostile: no control characters or line breaks in a chat reply, and not too long. */
export function chatSafeName(name: string): string {
  const clean = name.replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, '').trim();
  return [...clean].slice(0, 20).join('') || '朋友';
}

/** The reply an adapter sends back to chat for an order message: order number, product, quantity. */
export function ackText(a: { buyerName: string; orders?: Pick<Order, 'id' | 'status' | 'lines'>[]; refusal?: RefusalCode }): string {
  const who = `@${chatSafeName(a.buyerName)}`;
  if (a.refusal) return `${who} ${REFUSALS[a.refusal]}`;
  const parts = (a.orders ?? []).map((o) => {
    const line = o.lines[0]!;
    return o.status === 'waitlisted'
      ? `${line.code}号${line.name} ×${line.qty} 暂时不够，已排队（订单#${o.id}），有货自动补上`
      : `已为您锁定 订单#${o.id} ${line.code}号${line.name} ×${line.qty}，请尽快付款`;
  });
  return `${who} ${parts.join('；')}`;
}
