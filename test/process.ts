import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.join(import.meta.dirname, '..');

export interface Started {
  proc: ChildProcess;
  base: string;
  output: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs the server in its own process, from the sources (`npm run dev`) or, given `build` (a folder
 * `scripts/build.mjs` wrote), from a build as `npm start` runs it, and waits for the `listening`
 * log line.
 */
export function startServer(env: Record<string, string>, { build }: { build?: string } = {}): Promise<Started> {
  const args = build ? [path.join(build, 'src', 'server.js')] : ['--import', 'tsx', 'src/server.ts'];
  const proc = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', NONGBO_DEMO: '0', ADMIN_TOKEN: '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening at (http:\/\/[\d.:]+)/i.exec(output);
      if (match && output.includes('Admin token')) resolve({ proc, base: match[1]!, output: () => output, exit });
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    void exit.then(({ code }) => reject(new Error(`server exited (${code}) before listening: ${output}`)));
    setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`no listening line within 60 s: ${output}`));
    }, 60_000).unref();
  });
}
