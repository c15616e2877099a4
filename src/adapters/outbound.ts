/**
 * Replies to chat go out through one queue per room, within the platform's limit (Twitch locks
 * out bots that send more than 20 messages in 30 seconds). When chat outpaces the limit, the
 * oldest waiting replies are dropped: a late "order confirmed" is worth less than a fresh one,
 * and the order itself is already stored and on the overlay.
 */
export class OutboundQueue {
  private readonly waiting: string[] = [];
  private readonly sentAt: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  dropped = 0;

  constructor(
    private readonly send: (text: string) => Promise<void>,
    private readonly limit: { messages: number; windowMs: number },
    private readonly onError: (err: unknown) => void,
    private readonly maxWaiting = 50,
    private readonly now = () => Date.now(),
  ) {}

  push(text: string): void {
    if (this.stopped) return;
    this.waiting.push(text);
    while (this.waiting.length > this.maxWaiting) {
      this.waiting.shift();
      this.dropped++;
    }
    this.pump();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.waiting.length = 0;
  }

  get pending(): number {
    return this.waiting.length;
  }

  private pump(): void {
    if (this.timer || this.stopped) return;
    const now = this.now();
    while (this.sentAt.length > 0 && this.sentAt[0]! <= now - this.limit.windowMs) this.sentAt.shift();
    while (this.waiting.length > 0 && this.sentAt.length < this.limit.messages) {
      this.sentAt.push(now);
      this.send(this.waiting.shift()!).catch(this.onError);
    }
    if (this.waiting.length > 0) {
      // Wake when the oldest send in the window leaves it.
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.pump();
      }, this.sentAt[0]! + this.limit.windowMs - now + 1);
      this.timer.unref();
    }
  }
}
