import type { Store } from '../store/store.ts';

/** How long another instance's product changes may take to reach this one's parser. */
const TTL_MS = 2000;
/** An unknown code reloads the codes unless they were loaded this recently: a flood of bad codes costs one query per this. */
const RECHECK_MS = 100;

/**
 * The product codes the order parser matches against, cached: every chat message needs them and
 * they change a few times a day. Local changes invalidate at once. Concurrent readers share one
 * load, so a burst of chat arriving at an expired cache costs one query, not one per message.
 */
export class Catalog {
  private cached: { codes: Promise<ReadonlySet<string>>; loaded?: ReadonlySet<string>; at: number } | undefined;
  /** The reload the messages naming an unknown code wait for (see `recheck`). */
  private rechecking: Promise<ReadonlySet<string>> | undefined;

  constructor(private readonly store: Store) {}

  codes(): Promise<ReadonlySet<string>> {
    if (!this.cached || Date.now() - this.cached.at > TTL_MS) this.load();
    return this.cached!.codes;
  }

  private load(): void {
    const cached: NonNullable<typeof this.cached> = {
      codes: this.store.products.codes().then((list) => (cached.loaded = new Set(list))),
      at: Date.now(),
    };
    this.cached = cached;
    // A failed load is not cached: the next message tries again.
    cached.codes.catch(() => this.cached === cached && (this.cached = undefined));
  }

  /** The codes when they are loaded and fresh, without waiting; undefined otherwise. */
  codesNow(): ReadonlySet<string> | undefined {
    return this.cached && Date.now() - this.cached.at <= TTL_MS ? this.cached.loaded : undefined;
  }

  /**
   * The codes as loaded after a message that named one they lack arrived (`arrivedAt`): the
   * product may have been added a moment before on another instance, and an order for a product
   * that exists must not pass for chatter. Codes loaded just before it arrived were the trap: a
   * burst of such orders all read them. The messages waiting share one reload, at most one every
   * RECHECK_MS, so a flood of bad codes costs few queries.
   */
  recheck(arrivedAt: number): Promise<ReadonlySet<string>> {
    if (this.cached && this.cached.at > arrivedAt) return this.cached.codes;
    if (this.rechecking) return this.rechecking;
    // At most RECHECK_MS (a clock stepped back must not hold the messages longer).
    const wait = Math.min(RECHECK_MS, (this.cached?.at ?? 0) + RECHECK_MS - Date.now());
    const rechecking: Promise<ReadonlySet<string>> = new Promise<void>((r) => setTimeout(r, Math.max(0, wait))).then(() => {
      // Started from here on, the reload is later than every message that waited for it; a message
      // arriving now waits for the next one.
      if (this.rechecking === rechecking) this.rechecking = undefined;
      this.load();
      return this.cached!.codes;
    });
    this.rechecking = rechecking;
    return rechecking;
  }

  invalidate(): void {
    this.cached = undefined;
  }
}
