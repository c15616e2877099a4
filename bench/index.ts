/**
 * `npm run bench` (`-- --json` for one JSON object a line). Each benchmark runs in a process of
 * its own, so its peak resident memory is its own; each figure is set against a baseline
 * measured in the same run where there is one: these machines are shared and noisy.
 */
import { fork } from 'node:child_process';
import { benchExecArgv, benchFile } from './load.ts';
import { report, round, type Result } from './report.ts';

const BENCHMARKS = ['chat-ingest', 'order-persistence', 'overlay-fanout', 'policy-qa'] as const;

function run(name: string): Promise<{ result: Result; maxRssMb: number }> {
  return new Promise((resolve, reject) => {
    const child = fork(benchFile('one'), [name, ...process.argv.slice(2)], {
      execArgv: benchExecArgv,
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    child.once('message', (message) => resolve(message as { result: Result; maxRssMb: number }));
    child.once('exit', (code) => code !== 0 && reject(new Error(`benchmark ${name} exited with ${code}`)));
  });
}

const peaks: Record<string, number> = {};
for (const name of BENCHMARKS) {
  const { result, maxRssMb } = await run(name);
  report(result);
  if (name !== 'policy-qa') peaks[name] = maxRssMb;
}
report({ name: 'peak-memory', figures: { peakRssMb: Math.max(...Object.values(peaks)), ...Object.fromEntries(Object.entries(peaks).map(([k, v]) => [`${k}RssMb`, round(v)])) } });
