/**
 * Every chat message, from whichever adapter, goes through here, top to bottom:
 * normalized message → order parser → per-buyer flood guard → (in a Q&A room) question matcher
 * and answer cooldown → recent chat for the panel → store what has an effect (dedupe, orders,
 * ledger, confirmation queue, question, in one transaction) → acknowledgement → overlay events
 * and room stats.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Events } from '../events.ts';
import { chatSafeName } from '../orders/ack.ts';
import { parseOrder } from '../orders/parser.ts';
import type { OrderService } from '../orders/service.ts';
import type { AnswerCooldown } from '../policy/cooldown.ts';
import type { PolicyService, Verdict } from '../policy/service.ts';
import type { Catalog } from '../products/catalog.ts';
import type { Room } from '../rooms/room.ts';
import type { RoomRuntime } from '../rooms/runtime.ts';
import { FloodGuard } from './flood.ts';
import type { ChatMessage, MessageOutcome } from './message.ts';

export interface PipelineDeps {
  orders: OrderService;
  policy: PolicyService;
  cooldown: AnswerCooldown;
  catalog: Catalog;
  runtime: RoomRuntime;
  events: Events;
  log: FastifyBaseLogger;
}

export class ChatPipeline {
  private readonly flood = new FloodGuard();

  constructor(private readonly deps: PipelineDeps) {}

  /**
   * Chatter (not an order, not a question for the knowledge base) decided at once, without a
   * promise: nine messages in ten of a selling stream, and they change nothing. Returns false
   * when the message needs `handle`.
   */
  handleChatter(room: Room, msg: ChatMessage): boolean {
    const codes = this.deps.catalog.codesNow();
    if (room.qa || !codes) return false;
    const parsed = parseOrder(msg.text, codes);
    if (parsed.kind !== 'none' || parsed.reason === 'unknown_code') return false;
    this.recordChatter(room, msg);
    return true;
  }

  /**
   * Resolves once everything the message caused is durably stored. `replay` says the message id
   * was seen before: the outcome is the stored one and nothing happened now.
   */
  async handle(room: Room, msg: ChatMessage): Promise<{ outcome: MessageOutcome; replay: boolean }> {
    const { orders, policy, cooldown, catalog, runtime, events, log } = this.deps;
    let parsed = parseOrder(msg.text, await catalog.codes());
    if (parsed.kind !== 'order' && parsed.reason === 'unknown_code') parsed = parseOrder(msg.text, await catalog.recheck());
    const flooding =
      parsed.kind === 'order' && this.flood.exceeded(`${room.id}:${msg.user.id}`, room.limits.orderMessagesPerSecond, msg.receivedAt.getTime());
    if (flooding) log.info({ roomId: room.id, userId: msg.user.id }, 'order message refused: buyer is flooding');

    let question: Verdict | undefined;
    let reply: string | undefined;
    if (room.qa && parsed.kind === 'none') {
      question = await policy.judge(msg.text);
      if (question?.answer.answered && cooldown.claim(room.id, question.answer.entryId, msg.user.name)) {
        reply = `@${chatSafeName(msg.user.name)} ${question.answer.short}（来源：${question.answer.source}）`;
      }
    }

    // Chatter changes nothing, so it skips the database: storing it would cost more than all the
    // orders of a busy stream, and processing a replay of it twice has no effect to double.
    if (parsed.kind === 'none' && !question) {
      this.recordChatter(room, msg);
      return { outcome: { accepted: true }, replay: false };
    }
    runtime.recordChat(room.id, { messageId: msg.messageId, name: msg.user.name, text: msg.text, sentAt: msg.sentAt });

    const result = await orders.placeFromMessage(room, msg, parsed, { refusal: flooding ? 'flooding' : undefined, question, reply });
    const { outcome, replay } = result;
    if (replay) return result;

    if (outcome.refusal) log.info({ roomId: room.id, userId: msg.user.id, refusal: outcome.refusal.code }, 'order refused');
    runtime.count(room.id, 'messages');
    if (outcome.orders) runtime.count(room.id, 'orders', outcome.orders.length);
    if (question) runtime.count(room.id, 'questions');
    if (outcome.confirmation) events.emit('confirmation', { roomId: room.id, id: outcome.confirmation.id });
    if (question && question.status !== 'unmatched') {
      events.emit('question', { roomId: room.id, status: question.status, text: msg.text, answered: reply !== undefined, answer: question.answer });
    }
    return result;
  }

  private recordChatter(room: Room, msg: ChatMessage): void {
    this.deps.runtime.recordChat(room.id, { messageId: msg.messageId, name: msg.user.name, text: msg.text, sentAt: msg.sentAt });
    this.deps.runtime.count(room.id, 'messages');
  }
}
