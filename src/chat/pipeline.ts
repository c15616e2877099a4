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
import { parseOrder, type ParseResult } from '../orders/parser.ts';
import type { OrderService } from '../orders/service.ts';
import type { AnswerCooldown } from '../policy/cooldown.ts';
import { withSource } from '../policy/question.ts';
import type { PolicyService, Verdict } from '../policy/service.ts';
import type { Catalog } from '../products/catalog.ts';
import type { Room } from '../rooms/room.ts';
import type { RoomRuntime } from '../rooms/runtime.ts';
import { FloodGuard } from './flood.ts';
import type { ChatMessage, MessageOutcome, RefusalCode } from './message.ts';

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
  /** Counts messages as they reach `handle`, before anything is awaited. */
  private arrivals = 0;

  constructor(private readonly deps: PipelineDeps) {}

  /**
   * Chatter settled at once, without a promise: nine messages in ten of a selling stream, and
   * they change nothing. The test is `handle`'s own, short of what needs waiting for (the codes
   * loaded, a recheck of an unknown code, the question matcher of a Q&A room). Anything else
   * comes back with what the parser made of it, for `handle`.
   */
  handleChatter(room: Room, msg: ChatMessage): { chatter: true } | { chatter: false; parsed?: ParseResult } {
    const codes = this.deps.catalog.codesNow();
    if (!codes) return { chatter: false };
    const parsed = parseOrder(msg.text, codes);
    if (room.qa || parsed.kind !== 'none' || parsed.reason === 'unknown_code') return { chatter: false, parsed };
    this.record(room, msg);
    this.deps.runtime.count(room.id, 'messages');
    return { chatter: true };
  }

  /**
   * Resolves once everything the message caused is durably stored. `replay` says the message id
   * was seen before: the outcome is the stored one and nothing happened now. `parsed`: what
   * `handleChatter` already made of the message.
   */
  async handle(room: Room, msg: ChatMessage, parsed?: ParseResult): Promise<{ outcome: MessageOutcome; replay: boolean }> {
    const { orders, policy, cooldown, catalog, runtime, events, log } = this.deps;
    // Recorded before anything is awaited, so the panel's chat keeps the order it arrived in.
    this.record(room, msg);
    const arrival = ++this.arrivals;
    parsed ??= parseOrder(msg.text, await catalog.codes());
    if (parsed.kind !== 'order' && parsed.reason === 'unknown_code') parsed = parseOrder(msg.text, await catalog.recheck(msg.receivedAt.getTime()));
    // Asked only once the message is known to be new: a replayed id (a redelivery after a
    // reconnect) must not use up the buyer's allowance and get their next real order refused.
    const flooding = (): RefusalCode | undefined => {
      if (!this.flood.exceeded(`${room.id}:${msg.user.id}`, room.limits.orderMessagesPerSecond, msg.messageId, msg.receivedAt.getTime())) return undefined;
      log.info({ roomId: room.id, userId: msg.user.id }, 'order message refused: buyer is flooding');
      return 'flooding';
    };

    let question: Verdict | undefined;
    if (room.qa && parsed.kind === 'none') question = await policy.judge(msg.text);
    // Answered now, or collected for the cooldown's combined answer: decided once the message is
    // known to be new, so a replayed id does not take the first answer from the next viewer.
    let reply: string | undefined;
    let collect: ((questionId: number) => void) | undefined;
    const answer = (): string | undefined => {
      if (!question?.answer.answered) return undefined;
      const claim = cooldown.claim(room.id, question.answer.entryId, msg.user, msg.messageId, arrival);
      reply = claim.now ? `@${chatSafeName(msg.user.name)} ${withSource(question.answer.short, question.answer.source)}` : undefined;
      collect = claim.now ? undefined : claim.collect;
      return reply;
    };

    // Chatter changes nothing, so it skips the database: storing it would cost more than all the
    // orders of a busy stream, and processing a replay of it twice has no effect to double.
    if (parsed.kind === 'none' && !question) {
      runtime.count(room.id, 'messages');
      return { outcome: { accepted: true }, replay: false };
    }

    const result = await orders.placeFromMessage(room, msg, parsed, { refusal: parsed.kind === 'order' ? flooding : undefined, question, reply: answer });
    const { outcome, replay } = result;
    if (replay) return result;
    if (collect && result.questionId !== undefined) collect(result.questionId);

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

  /** The panel's recent chat. */
  private record(room: Room, msg: ChatMessage): void {
    this.deps.runtime.recordChat(room.id, { messageId: msg.messageId, name: msg.user.name, text: msg.text, sentAt: msg.sentAt });
  }
}
