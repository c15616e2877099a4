/**
 * Chat ingest: how fast a `ws` client merely receives Bilibili danmaku frames from a local server
 * (the baseline), against the whole pipeline for the same frames: the Bilibili adapter's decode,
 * normalization, the order parser, durable orders, and the overlay broadcast to a connected
 * overlay. One danmaku a frame; one message in ten is an order.
 */
import type { AddressInfo } from 'node:net';
import { io as connectClient } from 'socket.io-client';
import WebSocket, { WebSocketServer } from 'ws';
import { encode, Op, Ver } from '../plugins/bilibili/codec.ts';
import { progress, type Result } from './report.ts';
import { benchApp, benchShop, closeBench } from './setup.ts';

const N = Number(process.env.BENCH_INGEST ?? 60_000);

function frames(): Buffer[] {
  const out: Buffer[] = [];
  const t0 = Date.now();
  for (let i = 0; i < N; i++) {
    const text = i % 10 === 0 ? (i % 20 === 0 ? '买1号 2份' : '+1') : ['主播好', '这个土豆怎么卖', '666', '来了来了🌾', '包邮吗'][i % 5]!;
    const uid = 10_000 + (i % 5000);
    const danmu = { cmd: 'DANMU_MSG', info: [[0, 1, 25, 16777215, t0 + i, 0, 0, '', 0], text, [uid, `观众${uid}`, 0, 0, 0, 10000, 1, ''], [], []] };
    out.push(encode(Op.message, danmu, Ver.json));
  }
  return out;
}

/** A danmaku server: answers auth, then streams `data` to whoever connected once told to. */
async function server(data: Buffer[]) {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  let client: WebSocket | undefined;
  const connected = new Promise<void>((resolve) => {
    wss.on('connection', (ws) => {
      ws.on('message', (raw: Buffer) => {
        if (raw.length >= 16 && raw.readUInt32BE(8) === Op.auth) {
          ws.send(encode(Op.authReply, { code: 0 }));
          client = ws;
          resolve();
        }
      });
    });
  });
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    connected,
    stream() {
      for (const frame of data) client!.send(frame);
    },
    close: () => new Promise<void>((r) => wss.close(() => r())),
  };
}

async function baseline(data: Buffer[]): Promise<number> {
  const s = await server(data);
  const ws = new WebSocket(s.url);
  // The auth reply arrives first, then the danmaku.
  let received = 0;
  const done = new Promise<void>((resolve) =>
    ws.on('message', () => {
      if (++received === N + 1) resolve();
    }),
  );
  await new Promise<void>((r) => ws.once('open', () => r()));
  ws.send(encode(Op.auth, { roomid: 1 }));
  await s.connected;
  const t0 = performance.now();
  s.stream();
  await done;
  const seconds = (performance.now() - t0) / 1000;
  ws.terminate();
  await s.close();
  return N / seconds;
}

async function pipeline(data: Buffer[]): Promise<{ rate: number; orders: number }> {
  const s = await server(data);
  const { app, dir } = await benchApp();
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  const { room } = await benchShop(app, 'bilibili', { roomId: 1, url: s.url, heartbeatMs: 30_000 });
  const overlay = connectClient(`${base}/overlay`, { auth: { room: room.id, token: room.overlayToken }, transports: ['websocket'] });
  let tickerItems = 0;
  overlay.on('order', () => tickerItems++);
  await new Promise<void>((r) => overlay.once('state', () => r()));
  await app.connections.connect(room.id);
  await s.connected;
  const t0 = performance.now();
  s.stream();
  for (;;) {
    if (app.runtime.stats(room.id).messages >= N) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const seconds = (performance.now() - t0) / 1000;
  const orders = app.runtime.stats(room.id).orders;
  progress(`  overlay saw ${tickerItems} ticker items`);
  overlay.close();
  await closeBench(app, dir);
  await s.close();
  return { rate: N / seconds, orders };
}

export async function ingest(): Promise<Result> {
  progress(`chat ingest: ${N} danmaku frames…`);
  const data = frames();
  const raw = await baseline(data);
  const full = await pipeline(data);
  return {
    name: 'chat-ingest',
    figures: { messages: N, orders: full.orders, pipelineMessagesPerSec: Math.round(full.rate) },
    baseline: { rawReceiveMessagesPerSec: Math.round(raw) },
    ratio: full.rate / raw,
  };
}
