/**
 * `npm start`: read the configuration, build the app, listen, and shut down cleanly on SIGINT or
 * SIGTERM. Everything else lives in app.ts.
 */
import { buildApp, type App } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { StartupError } from './errors.ts';
import { keepHeapSmall } from './heap.ts';
import { overlayUrls, type Room } from './rooms/room.ts';

/** Close must finish (adapters stopped, writes flushed, database closed) well inside 10 s. */
const SHUTDOWN_LIMIT_MS = 9000;

function printBanner(app: App, rooms: Room[], listening: string[]): void {
  const base = app.publicUrl();
  const { token, origin } = app.adminToken;
  const lines = [
    '',
    '农播 Nongbo 已启动 / is running',
    ...listening.map((url) => `  监听 / listening at ${url}`),
    `  直播控制台 Panel:       ${base}/panel`,
    `  合作社后台 Dashboard:   ${base}/dashboard`,
    origin === 'env'
      ? '  管理令牌 Admin token:  (来自 ADMIN_TOKEN 环境变量 / from ADMIN_TOKEN)'
      : `  管理令牌 Admin token:  ${token}`,
    `  健康检查 Health:        ${base}/api/health`,
  ];
  if (app.demoSeeded) lines.push('  已创建演示合作社 / demo cooperative seeded (NONGBO_DEMO=0 turns this off)');
  for (const room of rooms) {
    lines.push(`  直播间 Room #${room.id} ${room.name} [${room.platform}] — OBS 浏览器源 / browser sources:`);
    for (const [name, url] of Object.entries(overlayUrls(base, room))) lines.push(`    ${name.padEnd(8)} ${url}`);
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);
}

async function main(): Promise<void> {
  keepHeapSmall();
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`配置错误 / configuration error: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }

  const app = await buildApp({ config });
  await app.listen({ port: config.port, host: config.host });
  // Printed whatever LOG_LEVEL says: scripts and people both wait for this line.
  const listening = app
    .addresses()
    .flatMap((a) => (typeof a === 'string' ? [] : [`http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`]));
  printBanner(app, await app.store.rooms.list({ limit: 20, offset: 0 }), listening);

  let closing = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    setTimeout(() => {
      app.log.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS).unref();
    try {
      await app.close();
      process.exit(0);
    } catch (err) {
      app.log.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((err) => {
  if (err instanceof StartupError) {
    process.stderr.write(`农播无法启动 / Nongbo cannot start: ${err.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`农播启动失败 / Nongbo failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
