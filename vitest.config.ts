import { defineConfig } from 'vitest/config';

/**
 * Two projects: everything on the embedded SQLite engine, and the domain and API suites again on
 * PostgreSQL (the scale-out engine), so both behave the same. PostgreSQL tests skip loudly where
 * it is not running; `.ci/run` makes sure it is.
 */
const bothEngines = [
  'test/households.test.ts',
  'test/products.test.ts',
  'test/rooms.test.ts',
  'test/photos.test.ts',
  'test/http.test.ts',
  'test/session.test.ts',
  'test/demo.test.ts',
  'test/orders/orders.test.ts',
  'test/orders/session-sales.test.ts',
  'test/attribution/tallies.test.ts',
  'test/exports/exports.test.ts',
  'test/imports/shop-orders.test.ts',
  'test/policy/knowledge-base.test.ts',
  'test/policy/qa-room.test.ts',
  'test/adapters/connections.test.ts',
  'test/adapters/douyin.test.ts',
  'test/scale/*.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Forks keep native handles (better-sqlite3, jieba) isolated per file.
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'sqlite', include: ['test/**/*.test.ts', 'plugins/**/*.test.ts'], exclude: ['test/scale/**'] } },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: bothEngines,
          env: { TEST_DATABASE: 'postgres' },
          setupFiles: ['test/postgres-setup.ts'],
          globalSetup: ['test/postgres-global.ts'],
        },
      },
    ],
  },
});
