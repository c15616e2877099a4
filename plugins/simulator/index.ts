/**
 * A simulated live room for the demo and benchmarks: realistic Chinese chat at `config.rate`
 * messages per second, fed through the same pipeline as a real platform.
 */
import { Type } from 'typebox';
import { definePlugin } from '../../src/adapters/plugin.ts';
import { random, simulatedLine } from './chat.ts';

interface SimulatorConfig {
  /** Messages per second. */
  rate?: number;
  seed?: number;
  /** Stop after this many messages (benchmarks). */
  limit?: number;
}

const TICK_MS = 50;

export default definePlugin<SimulatorConfig>({
  platform: 'simulator',
  label: '模拟直播间',
  configSchema: Type.Object({
    rate: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 100_000 })),
    seed: Type.Optional(Type.Integer()),
    limit: Type.Optional(Type.Integer({ minimum: 1 })),
  }),
  silenceMs: Number.POSITIVE_INFINITY,
  sendLimit: () => ({ messages: 1000, windowMs: 1000 }),
  create(ctx) {
    const rate = ctx.config.rate ?? 2;
    const rnd = random(ctx.config.seed ?? Date.now());
    const session = Date.now().toString(36);
    let timer: NodeJS.Timeout | undefined;
    let sent = 0;
    let due = 0;
    return {
      async open() {
        ctx.live();
        let codes = await ctx.codes();
        timer = setInterval(() => {
          // Whole messages per tick, carrying the fraction over, so low rates still come out even.
          due += (rate * TICK_MS) / 1000;
          for (; due >= 1; due--) {
            if (ctx.config.limit !== undefined && sent >= ctx.config.limit) return;
            const line = simulatedLine(rnd, codes, undefined, ctx.room.qa);
            ctx.emit({ kind: 'chat', messageId: `sim:${ctx.room.id}:${session}:${sent++}`, ...line, sentAt: new Date(), raw: line });
          }
          if (sent % 200 === 0) ctx.codes().then((c) => (codes = c), () => {});
        }, TICK_MS);
        timer.unref();
      },
      async close() {
        clearInterval(timer);
      },
      // The simulated chat has no one to read a reply; accepting it keeps the outbound path exercised.
      send: async () => {},
    };
  },
});
