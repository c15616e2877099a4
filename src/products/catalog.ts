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
  private cached: { codes: Promise<ReadonlySet<string>>; at: number } | undefined;

  constructor(private readonly store: Store) {}

  codes(maxAgeMs = TTL_MS): Promise<ReadonlySet<string>> {
    if (!this.cached || Date.now() - this.cached.at > maxAgeMs) {
      const codes = this.store.products.codes().then((list) => new Set(list) as ReadonlySet<string>);
      this.cached = { codes, at: Date.now() };
      // A failed load is not cached: the next message tries again.
      codes.catch(() => (this.cached = undefined));
    }
    return this.cached.codes;
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
