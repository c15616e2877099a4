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

  constructor(private readonly store: Store) {}

  codes(maxAgeMs = TTL_MS): Promise<ReadonlySet<string>> {
    if (!this.cached || Date.now() - this.cached.at > maxAgeMs) {
      const cached: NonNullable<typeof this.cached> = {
        codes: this.store.products.codes().then((list) => (cached.loaded = new Set(list))),
        at: Date.now(),
      };
      this.cached = cached;
      // A failed load is not cached: the next message tries again.
      cached.codes.catch(() => this.cached === cached && (this.cached = undefined));
    }
    return this.cached.codes;
  }

  /** The codes when they are loaded and fresh, without waiting; undefined otherwise. */
  codesNow(): ReadonlySet<string> | undefined {
    return this.cached && Date.now() - this.cached.at <= TTL_MS ? this.cached.loaded : undefined;
  }

  /**
   * The codes again after a message named one they lack: it may have been added a moment ago on
   * another instance, and a buyer must not be told a product that exists is unknown.
   */
  recheck(): Promise<ReadonlySet<string>> {
    return this.codes(RECHECK_MS);
  }

  invalidate(): void {
    this.cached = undefined;
  }
}
