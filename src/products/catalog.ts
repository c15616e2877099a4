import type { Store } from '../store/store.ts';

/** How long another instance's product changes may take to reach this one's parser. */
const TTL_MS = 2000;

/**
 * The product codes the order parser matches against, cached: every chat message needs them and
 * they change a few times a day. Local changes invalidate at once. Concurrent readers share one
 * load, so a burst of chat arriving at an expired cache costs one query, not one per message.
 */
export class Catalog {
  private cached: { codes: Promise<ReadonlySet<string>>; at: number } | undefined;

  constructor(private readonly store: Store) {}

  codes(): Promise<ReadonlySet<string>> {
    if (!this.cached || Date.now() - this.cached.at > TTL_MS) {
      const codes = this.store.products.codes().then((list) => new Set(list) as ReadonlySet<string>);
      this.cached = { codes, at: Date.now() };
      // A failed load is not cached: the next message tries again.
      codes.catch(() => (this.cached = undefined));
    }
    return this.cached.codes;
  }

  invalidate(): void {
    this.cached = undefined;
  }
}
