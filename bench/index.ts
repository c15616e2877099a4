/**
 * `npm run bench` (`-- --json` for one JSON object a line). Each figure is set against a
 * baseline measured in the same run where there is one: these machines are shared and noisy.
 */
import { fanout } from './fanout.ts';
import { ingest } from './ingest.ts';
import { persistence } from './persistence.ts';
import { policy } from './policy.ts';
import { report, round, sampleRss } from './report.ts';

const sampler = setInterval(sampleRss, 50);
report(await ingest());
report(await persistence());
report(await fanout());
clearInterval(sampler);
report({ name: 'peak-memory', figures: { peakRssMb: round(sampleRss() / 1024 / 1024), during: 'chat-ingest, order-persistence, overlay-fanout' } });
report(await policy());
process.exit(0);
