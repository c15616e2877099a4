import type { Store } from '../store/store.ts';

/** How long another instance's product changes may take to reach this one's parser. */
const TTL_MS = 2000;

/**
 * The product codes the order parser matches against, cached: every chat message needs them and
 * they change a few times a day. Local changes invalidate at once.
 */
export class Catalog {
  private cached: { codes: ReadonlySet<string>; at: number } | undefined;

  constructor(private readonly store: Store) {}

  async codes(): Promise<ReadonlySet<string>> {
    if (!this.cached || Date.now() - this.cached.at > TTL_MS) {
      this.cached = { codes: new Set(await this.store.products.codes()), at: Date.now() };
    }
    return this.cached.codes;
  }

  invalidate(): void {
    this.cached = undefined;
  }
}
