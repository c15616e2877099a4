/**
 * Every chat message, from whichever adapter, goes through here, top to bottom:
 * normalized message → order parser → per-buyer flood guard → store (dedupe, orders, ledger,
 * confirmation queue, in one transaction) → acknowledgement → overlay events and room stats.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { OrderService } from '../orders/service.ts';
import { parseOrder } from '../orders/parser.ts';
import type { Catalog } from '../products/catalog.ts';
import type { Room } from '../rooms/room.ts';
import type { RoomRuntime } from '../rooms/runtime.ts';
import type { Events } from '../events.ts';
import { FloodGuard } from './flood.ts';
import type { ChatMessage, MessageOutcome } from './message.ts';

export class ChatPipeline {
  private readonly flood = new FloodGuard();

  constructor(
    private readonly deps: { orders: OrderService; catalog: Catalog; runtime: RoomRuntime; events: Events; log: FastifyBaseLogger },
  ) {}

  /**
   * Resolves once everything the message caused is durably stored. `replay` says the message id
   * was seen before: the outcome is the stored one and nothing happened now.
   */
  async handle(room: Room, msg: ChatMessage): Promise<{ outcome: MessageOutcome; replay: boolean }> {
    const { orders, catalog, runtime, events, log } = this.deps;
    const parsed = parseOrder(msg.text, await catalog.codes());
    const flooding =
      parsed.kind === 'order' && this.flood.exceeded(`${room.id}:${msg.user.id}`, room.limits.orderMessagesPerSecond, msg.receivedAt.getTime());
    if (flooding) log.info({ roomId: room.id, userId: msg.user.id }, 'order message refused: buyer is flooding');

    const result = await orders.placeFromMessage(msg, parsed, flooding ? 'flooding' : undefined);
    const { outcome, replay } = result;
    if (replay) return result;

    if (outcome.refusal) log.info({ roomId: room.id, userId: msg.user.id, refusal: outcome.refusal.code }, 'order refused');
    runtime.count(room.id, 'messages');
    if (outcome.orders) runtime.count(room.id, 'orders', outcome.orders.length);
    if (outcome.confirmation) events.emit('confirmation', { roomId: room.id, id: outcome.confirmation.id });
    return result;
  }
}
