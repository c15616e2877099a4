/**
 * Overlay fan-out: 500 overlay clients (in a load-generator process) on one room over socket.io;
 * the time from the feature call (an HTTP request, as the control panel makes it) until each
 * client has the new product card. The first features after start run cold code in both
 * processes (the first takes 100–190 ms, the third still ~60, the rest 15–45 on this machine):
 * WARMUP of them are not counted, as a streamer's server that has been live a minute runs warm
 * code; the very first is reported on its own (`coldFirstAllClientsMs`).
 */
import { loadGenerator, wallMs } from './load.ts';
import { percentile, progress, round, type Result } from './report.ts';
import { auth, benchApp, benchShop, closeBench } from './setup.ts';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);
const WARMUP = Math.max(0, Number(process.env.BENCH_FANOUT_WARMUP ?? 3) || 0);

export async function fanout(): Promise<Result> {
  progress(`overlay fan-out: ${CLIENTS} clients, ${WARMUP} warm-up and ${ROUNDS} measured features…`);
  const { app, dir } = await benchApp();
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  const { room } = await benchShop(app);
  const load = await loadGenerator();
  await load.ask({ kind: 'overlay-clients', url: base, room: room.id, token: room.overlayToken, count: CLIENTS }, 'connected');
  const each: number[] = [];
  const all: number[] = [];
  let cold = 0;
  for (let r = 0; r < WARMUP + ROUNDS; r++) {
    await load.ask({ kind: 'await-feature' }, 'listening-for-feature');
    const arrived = load.next<{ arrivals: number[] }>('arrivals');
    const t0 = wallMs();
    const res = await fetch(`${base}/api/rooms/${room.id}/feature`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ code: r % 2 ? '1' : '2' }) });
    if (!res.ok) throw new Error(`feature -> ${res.status}`);
    const { arrivals } = await arrived;
    if (r === 0) cold = Math.max(...arrivals) - t0;
    if (r < WARMUP) continue;
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
      warmupRounds: WARMUP,
      coldFirstAllClientsMs: round(cold),
      p50Ms: round(percentile(each, 50)),
      p99Ms: round(percentile(each, 99)),
      allClientsP50Ms: round(percentile(all, 50)),
      allClientsP99Ms: round(percentile(all, 99)),
    },
  };
}
