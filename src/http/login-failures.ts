/**
 * Wrong logins per client address within a sliding window. Bounded: every address that ever
 * guessed once would otherwise stay in memory for good, and a client with a block of IPv6
 * addresses has millions of them. Addresses whose failures are all older than the window are
 * forgotten; past `maxAddresses` within one window, those that failed least recently go first
 * (an address guessing now is never the one dropped).
 */
export class LoginFailures {
  private readonly byAddress = new Map<string, number[]>();

  constructor(
    private readonly windowMs: number,
    private readonly maxFailures: number,
    private readonly maxAddresses = 10_000,
  ) {}

  get size(): number {
    return this.byAddress.size;
  }

  throttled(address: string, now: number): boolean {
    return this.recent(address, now).length >= this.maxFailures;
  }

  record(address: string, now: number): void {
    const recent = [...this.recent(address, now), now];
    // Re-inserted so that Map order is least recently failed first.
    this.byAddress.delete(address);
    this.byAddress.set(address, recent);
    this.forget(now);
  }

  clear(address: string): void {
    this.byAddress.delete(address);
  }

  private recent(address: string, now: number): number[] {
    return (this.byAddress.get(address) ?? []).filter((t) => t > now - this.windowMs);
  }

  /** Map order is by last failure, so the expired addresses are a prefix: amortized O(1) a failure. */
  private forget(now: number): void {
    for (const [address, times] of this.byAddress) {
      const expired = times[times.length - 1]! <= now - this.windowMs;
      if (!expired && this.byAddress.size <= this.maxAddresses) return;
      this.byAddress.delete(address);
    }
  }
}
