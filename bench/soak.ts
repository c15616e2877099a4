/**
 * `npm run soak`: the long versions of the reliability tests — many SIGKILL rounds and many
 * more fuzz cases — which `npm test` runs briefly.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const vitest = path.join(import.meta.dirname, '..', 'node_modules', 'vitest', 'vitest.mjs');
const result = spawnSync(process.execPath, [vitest, 'run', 'test/crash.test.ts', 'test/fuzz.test.ts', 'plugins/bilibili/codec.test.ts', 'test/attribution/money.test.ts'], {
  stdio: 'inherit',
  env: { ...process.env, CRASH_ROUNDS: process.env.CRASH_ROUNDS ?? '10', FUZZ_RUNS: process.env.FUZZ_RUNS ?? '50000' },
});
process.exit(result.status ?? 1);
