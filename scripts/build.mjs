/**
 * Compiles the server, the platform plugins and the benchmarks to `dist/` (ES modules, one shared
 * chunk per common part, dependencies left in node_modules). `npm start` and `npm run bench` run
 * the build: TypeScript loaded through tsx costs a module-loader thread and ~60 MB more memory
 * than plain JavaScript, which a streamer's laptop should not pay. Tests run the sources.
 *
 *   node scripts/build.mjs [--outdir dir]    (inside the checkout, so node_modules resolve)
 *
 * The new build is written beside the old one and swapped in, so a server or benchmark already
 * running from the old one keeps its files until it has loaded them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const at = process.argv.indexOf('--outdir');
const outdir = path.resolve(root, at > 0 ? process.argv[at + 1] : 'dist');
const plugins = fs
  .readdirSync(path.join(root, 'plugins'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && fs.existsSync(path.join(root, 'plugins', d.name, 'index.ts')))
  .map((d) => `plugins/${d.name}/index.ts`);

const fresh = `${outdir}.new-${process.pid}`;
await build({
  absWorkingDir: root,
  entryPoints: ['src/server.ts', ...plugins, 'bench/index.ts', 'bench/one.ts', 'bench/load.ts'],
  outdir: fresh,
  outbase: '.',
  entryNames: '[dir]/[name]',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
const old = `${outdir}.old-${process.pid}`;
if (fs.existsSync(outdir)) await rename(outdir, old);
await rename(fresh, outdir);
fs.rmSync(old, { recursive: true, force: true, maxRetries: 5 });

/** Windows refuses a rename while a virus scanner or indexer holds a file for a moment: try again. */
async function rename(from, to) {
  for (let attempt = 0; ; attempt++) {
    try {
      return fs.renameSync(from, to);
    } catch (err) {
      if (attempt >= 20 || !['EPERM', 'EBUSY', 'EACCES'].includes(err.code)) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
