/**
 * Overlay fan-out: 500 overlay clients (in a load-generator process) on one room over socket.io;
 * the time from the feature call (an HTTP request, as the control panel makes it) until each
 * client has the new product card.
 */
import { loadGenerator, wallMs } from './load.ts';
import { percentile, progress, round, type Result } from './report.ts';
import { auth, benchApp, benchShop, closeBench } from './setup.ts';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);

export async function fanout(): Promise<Result> {
  progress(`overlay fan-out: ${CLIENTS} clients, ${ROUNDS} features…`);
  const { app, dir } = await benchApp();
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  const { room } = await benchShop(app);
  const load = await loadGenerator();
  await load.ask({ kind: 'overlay-clients', url: base, room: room.id, token: room.overlayToken, count: CLIENTS }, 'connected');
  const each: number[] = [];
  const all: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    await load.ask({ kind: 'await-feature' }, 'listening-for-feature');
    const arrived = load.next<{ arrivals: number[] }>('arrivals');
    const t0 = wallMs();
    const res = await fetch(`${base}/api/rooms/${room.id}/feature`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ code: r % 2 ? '1' : '2' }) });
    if (!res.ok) throw new Error(`feature -> ${res.status}`);
    const { arrivals } = await arrived;
    for (const t of arrivals) each.push(t - t0);
    all.push(Math.max(...arrivals) - t0);
  }
  load.close();
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
