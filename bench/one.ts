/** Runs one benchmark in this process and sends its result and this process's peak memory to the parent. */
import { fanout } from './fanout.ts';
import { ingest } from './ingest.ts';
import { persistence } from './persistence.ts';
import { policy } from './policy.ts';
import { round, type Result } from './report.ts';
import { keepHeapSmall } from '../src/heap.ts';

const benchmarks: Record<string, () => Promise<Result>> = {
  'chat-ingest': ingest,
  'order-persistence': persistence,
  'overlay-fanout': fanout,
  'policy-qa': policy,
};

// Measured as `npm start` runs.
keepHeapSmall();
const name = process.argv[2]!;
const result = await benchmarks[name]!();
process.send!({ result, maxRssMb: round(process.resourceUsage().maxRSS / 1024) }, () => process.exit(0));
