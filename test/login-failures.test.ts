import { describe, expect, it } from 'vitest';
import { LoginFailures } from '../src/http/login-failures.ts';

describe('wrong logins per address', () => {
  it('throttle an address at the limit within the window, and let it try again after', () => {
    const f = new LoginFailures(60_000, 3);
    for (let i = 0; i < 3; i++) f.record('1.1.1.1', 1000 + i);
    expect(f.throttled('1.1.1.1', 2000)).toBe(true);
    expect(f.throttled('2.2.2.2', 2000)).toBe(false);
    expect(f.throttled('1.1.1.1', 1000 + 60_001)).toBe(false);
  });

  it('forget addresses whose failures are all past the window', () => {
    const f = new LoginFailures(60_000, 10);
    for (let i = 0; i < 5000; i++) f.record(`10.0.${i >> 8}.${i & 255}`, i);
    expect(f.size).toBe(5000);
    f.record('9.9.9.9', 70_000);
    // Only those that failed after 70,000 − 60,000 remain.
    expect(f.size).toBe(1);
  });

  it('hold at most maxAddresses within one window, dropping the least recent, never the one guessing now', () => {
    const f = new LoginFailures(60_000, 3, 100);
    for (let i = 0; i < 3; i++) f.record('attacker', i);
    for (let i = 0; i < 10_000; i++) f.record(`2001:db8::${i.toString(16)}`, 10 + i / 1000);
    expect(f.size).toBe(100);
    for (let i = 0; i < 3; i++) f.record('attacker', 20 + i);
    expect(f.size).toBe(100);
    expect(f.throttled('attacker', 23)).toBe(true);
  });
});
