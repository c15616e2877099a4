/**
 * The per-room reply queue (a sliding-window rate limit that drops the oldest replies when chat
 * outpaces it) and the reconnect backoff.
 */
import { describe, expect, it } from 'vitest';
import { backoffMs } from '../../src/adapters/connections.ts';
import { OutboundQueue } from '../../src/adapters/outbound.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

async function until<T>(fn: () => T, ms = 5000, what = 'condition'): Promise<Truthy<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = fn();
    if (value) return value as Truthy<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(5);
  }
}

/** A send function that records what went out and when. */
function recorder() {
  const sent: { text: string; at: number }[] = [];
  return { sent, send: async (text: string) => void sent.push({ text, at: Date.now() }) };
}

const noErrors = (err: unknown) => {
  throw new Error(`unexpected send error: ${String(err)}`);
};

describe('OutboundQueue', () => {
  it('never sends more than `messages` in any `windowMs`, and sends the rest later in order', async () => {
    const { sent, send } = recorder();
    const limit = { messages: 3, windowMs: 200 };
    const queue = new OutboundQueue(send, limit, noErrors);
    const texts = Array.from({ length: 10 }, (_, i) => `reply ${i}`);
    const started = Date.now();
    for (const t of texts) queue.push(t);

    // The first window's worth goes out at once; the rest waits.
    expect(sent.map((s) => s.text)).toEqual(texts.slice(0, 3));
    expect(queue.pending).toBe(7);

    await until(() => sent.length === 10, 3000, 'all ten sent');
    expect(sent.map((s) => s.text)).toEqual(texts);
    expect(queue.pending).toBe(0);
    expect(queue.dropped).toBe(0);
    // Sliding window: the (i + messages)-th send is at least a window after the i-th.
    for (let i = 0; i + limit.messages < sent.length; i++) {
      expect(sent[i + limit.messages]!.at - sent[i]!.at).toBeGreaterThanOrEqual(limit.windowMs);
    }
    // 10 messages at 3 per 200 ms need three more windows, and not many more than that.
    const total = sent[9]!.at - started;
    expect(total).toBeGreaterThanOrEqual(3 * limit.windowMs);
    expect(total).toBeLessThan(3 * limit.windowMs + 400);
  });

  it('counts sends made in the previous window when more is pushed later', async () => {
    const { sent, send } = recorder();
    const queue = new OutboundQueue(send, { messages: 2, windowMs: 200 }, noErrors);
    queue.push('a');
    queue.push('b');
    await sleep(80);
    queue.push('c');
    // Two sends 80 ms ago still fill the window.
    expect(sent.map((s) => s.text)).toEqual(['a', 'b']);
    await until(() => sent.length === 3, 2000, 'c sent');
    expect(sent[2]!.at - sent[0]!.at).toBeGreaterThanOrEqual(200);
  });

  it('drops the oldest waiting replies beyond maxWaiting and counts them', async () => {
    const { sent, send } = recorder();
    const queue = new OutboundQueue(send, { messages: 1, windowMs: 60 }, noErrors, 3);
    for (const t of ['a', 'b', 'c', 'd', 'e', 'f']) queue.push(t);
    // 'a' went out; b and c were pushed out of the waiting line by d, e, f.
    expect(sent.map((s) => s.text)).toEqual(['a']);
    expect(queue.pending).toBe(3);
    expect(queue.dropped).toBe(2);

    await until(() => sent.length === 4, 2000, 'the waiting three sent');
    expect(sent.map((s) => s.text)).toEqual(['a', 'd', 'e', 'f']);
    expect(queue.dropped).toBe(2);
    await sleep(150);
    expect(sent).toHaveLength(4);
  });

  it('stop() discards the waiting replies and ignores later pushes', async () => {
    const { sent, send } = recorder();
    const queue = new OutboundQueue(send, { messages: 2, windowMs: 80 }, noErrors);
    for (const t of ['a', 'b', 'c', 'd', 'e']) queue.push(t);
    expect(queue.pending).toBe(3);
    queue.stop();
    expect(queue.pending).toBe(0);
    queue.push('f');
    expect(queue.pending).toBe(0);
    await sleep(300);
    expect(sent.map((s) => s.text)).toEqual(['a', 'b']);
  });

  it('reports a failed send and goes on with the next ones', async () => {
    const errors: unknown[] = [];
    const sent: string[] = [];
    const send = async (text: string) => {
      if (text === 'bad') throw new Error('platform refused');
      sent.push(text);
    };
    const queue = new OutboundQueue(send, { messages: 1, windowMs: 40 }, (err) => errors.push(err));
    for (const t of ['a', 'bad', 'c']) queue.push(t);
    await until(() => sent.length === 2, 2000, 'the good ones sent');
    expect(sent).toEqual(['a', 'c']);
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toBe('platform refused');
  });
});

describe('backoffMs', () => {
  const low = () => 0;
  const high = () => 1;
  const mid = () => 0.5;

  it('doubles from 0.5 s per attempt', () => {
    expect([0, 1, 2, 3, 4, 5].map((a) => backoffMs(a, high))).toEqual([500, 1000, 2000, 4000, 8000, 16_000]);
    expect([0, 1, 2, 3].map((a) => backoffMs(a, low))).toEqual([250, 500, 1000, 2000]);
  });

  it('is capped at 30 s however many attempts failed', () => {
    for (const attempt of [6, 7, 10, 50, 1100, 5000]) {
      expect(backoffMs(attempt, high)).toBe(30_000);
      expect(backoffMs(attempt, low)).toBe(15_000);
      expect(backoffMs(attempt, mid)).toBe(22_500);
    }
  });

  it('jitters within [50 %, 100 %] of the ceiling', () => {
    const ceilings = [500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000];
    for (const [attempt, ceiling] of ceilings.entries()) {
      for (const r of [0, 0.1, 0.25, 0.5, 0.75, 0.999999]) {
        const delay = backoffMs(attempt, () => r);
        expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
        expect(delay).toBeLessThanOrEqual(ceiling);
        expect(delay).toBe(Math.round(ceiling * (0.5 + r / 2)));
      }
    }
  });

  it('uses Math.random by default and stays in range', () => {
    const delays = Array.from({ length: 200 }, () => backoffMs(3));
    for (const d of delays) {
      expect(d).toBeGreaterThanOrEqual(2000);
      expect(d).toBeLessThanOrEqual(4000);
    }
    // Jitter: not every reconnecting room waits the same time.
    expect(new Set(delays).size).toBeGreaterThan(1);
  });
});
