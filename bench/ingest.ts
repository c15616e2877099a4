/**
 * Chat ingest: how fast a `ws` client merely receives Bilibili danmaku frames from a local server
 * (the baseline), against the whole pipeline for the same frames: the Bilibili adapter's decode,
 * normalization, the order parser, durable orders, and the overlay broadcast to a connected
 * overlay. One danmaku a frame; one message in ten is an order. The danmaku server and the overlay
 * run in a separate load-generator process.
 */
import WebSocket from 'ws';
import { encode, Op } from '../plugins/bilibili/codec.ts';
import { loadGenerator } from './load.ts';
import { progress, type Result } from './report.ts';
import { benchApp, benchShop, closeBench } from './setup.ts';

const N = Number(process.env.BENCH_INGEST ?? 60_000);

async function baseline(): Promise<number> {
  const load = await loadGenerator();
  const { url } = await load.ask<{ url: string }>({ kind: 'danmaku-server', count: N }, 'listening');
  const ws = new WebSocket(url);
  // The auth reply arrives first, then the danmaku.
  let received = 0;
  const done = new Promise<void>((resolve) =>
    ws.on('message', () => {
      if (++received === N + 1) resolve();
    }),
  );
  await new Promise<void>((r) => ws.once('open', () => r()));
  const authenticated = load.next('authenticated');
  ws.send(encode(Op.auth, { roomid: 1 }));
  await authenticated;
  const t0 = performance.now();
  load.send({ kind: 'stream' });
  await done;
  const seconds = (performance.now() - t0) / 1000;
  ws.terminate();
  load.close();
  return N / seconds;
}

async function pipeline(): Promise<{ rate: number; orders: number; ticker: number }> {
  const load = await loadGenerator();
  const { url } = await load.ask<{ url: string }>({ kind: 'danmaku-server', count: N }, 'listening');
  const { app, dir } = await benchApp();
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  const { room } = await benchShop(app, 'bilibili', { roomId: 1, url, heartbeatMs: 30_000 });
  // The overlay watching the ticker runs in the load generator too: its decoding is not Nongbo's work.
  await load.ask({ kind: 'overlay-clients', url: base, room: room.id, token: room.overlayToken, count: 1 }, 'connected');
  const authenticated = load.next('authenticated');
  await app.connections.connect(room.id);
  await authenticated;
  const t0 = performance.now();
  load.send({ kind: 'stream' });
  while ((await app.runtime.stats(room.id)).messages < N) await new Promise((r) => setTimeout(r, 5));
  const seconds = (performance.now() - t0) / 1000;
  const { orders } = await app.runtime.stats(room.id);
  // The ticker is throttled and queued: what reached the overlay shortly after the last message.
  await new Promise((r) => setTimeout(r, 500));
  const { count: ticker } = await load.ask<{ count: number }>({ kind: 'ticker-count' }, 'ticker');
  await closeBench(app, dir);
  load.close();
  return { rate: N / seconds, orders, ticker };
}

/**
 * Baseline and pipeline runs alternate, a round each, so that a noisy moment of the machine hits
 * both; each round's ratio pairs two runs seconds apart, and the median of those ratios is the
 * headline (the raw rate alone moves by ±15 % between rounds). A first round warms the JIT for
 * both and is not counted: a server that has been live a minute runs warm code.
 */
const ROUNDS = Math.max(1, Number(process.env.BENCH_INGEST_ROUNDS ?? 5) || 1);
const WARMUP = Math.max(0, Number(process.env.BENCH_INGEST_WARMUP ?? 1) || 0);

export async function ingest(): Promise<Result> {
  progress(`chat ingest: ${N} danmaku frames, ${WARMUP} warm-up and ${ROUNDS} measured rounds…`);
  const rounds: { raw: number; full: Awaited<ReturnType<typeof pipeline>> }[] = [];
  for (let round = 0; round < WARMUP + ROUNDS; round++) {
    const raw = await baseline();
    const full = await pipeline();
    if (round >= WARMUP) rounds.push({ raw, full });
  }
  // The middle value; of an even count (BENCH_INGEST_ROUNDS=4), the upper of the two.
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const ratios = rounds.map((r) => r.full.rate / r.raw);
  const ratio = median(ratios);
  // The round whose ratio is the median supplies the figures, so that they agree with it.
  const { raw, full } = rounds[ratios.indexOf(ratio)]!;
  return {
    name: 'chat-ingest',
    figures: {
      messages: N,
      rounds: ROUNDS,
      orders: full.orders,
      tickerItems: full.ticker,
      pipelineMessagesPerSec: Math.round(full.rate),
      pipelineMedianMessagesPerSec: Math.round(median(rounds.map((r) => r.full.rate))),
      roundRatios: ratios.map((r) => r.toFixed(3)).join(' '),
    },
    baseline: { rawReceiveMessagesPerSec: Math.round(raw), rawReceiveMedianMessagesPerSec: Math.round(median(rounds.map((r) => r.raw))) },
    ratio,
  };
}
