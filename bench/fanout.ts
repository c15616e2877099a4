/**
 * Overlay fan-out: 500 overlay clients on one room over socket.io; the time from the feature
 * call (an HTTP request, as the control panel makes it) until each client has the new product card.
 */
import { io as connectClient, type Socket } from 'socket.io-client';
import { percentile, progress, round, type Result } from './report.ts';
import { auth, benchApp, benchShop, closeBench } from './setup.ts';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);

export async function fanout(): Promise<Result> {
  progress(`overlay fan-out: ${CLIENTS} clients, ${ROUNDS} features…`);
  const { app, dir } = await benchApp();
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  const { room } = await benchShop(app);
  const clients: Socket[] = [];
  await Promise.all(
    Array.from({ length: CLIENTS }, () => {
      const socket = connectClient(`${base}/overlay`, { auth: { room: room.id, token: room.overlayToken }, transports: ['websocket'], forceNew: true });
      clients.push(socket);
      return new Promise<void>((resolve) => socket.once('state', () => resolve()));
    }),
  );
  const each: number[] = [];
  const all: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const code = r % 2 ? '1' : '2';
    let pending = CLIENTS;
    const t0 = performance.now();
    const everyone = new Promise<void>((resolve) => {
      for (const socket of clients) {
        socket.once('feature', () => {
          each.push(performance.now() - t0);
          if (--pending === 0) resolve();
        });
      }
    });
    const res = await fetch(`${base}/api/rooms/${room.id}/feature`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
    if (!res.ok) throw new Error(`feature -> ${res.status}`);
    await everyone;
    all.push(performance.now() - t0);
  }
  for (const socket of clients) socket.close();
  await closeBench(app, dir);
  each.sort((a, b) => a - b);
  all.sort((a, b) => a - b);
  return {
    name: 'overlay-fanout',
    figures: {
      clients: CLIENTS,
      rounds: ROUNDS,
      p50Ms: round(percentile(each, 50)),
      p99Ms: round(percentile(each, 99)),
      allClientsP50Ms: round(percentile(all, 50)),
      allClientsP99Ms: round(percentile(all, 99)),
    },
  };
}
