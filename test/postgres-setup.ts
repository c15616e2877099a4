/** The postgres project: every test is skipped, loudly, where PostgreSQL is not running. */
import { beforeAll, beforeEach } from 'vitest';
import { PG, reachable } from './postgres.ts';

let available = true;
beforeAll(async () => {
  available = await reachable(PG.port);
  if (!available) console.warn(`\n*** SKIPPING POSTGRESQL TESTS: nothing answers on ${PG.host}:${PG.port} (.ci/run starts it) ***\n`);
});
beforeEach((ctx) => {
  if (!available) ctx.skip();
});
