/**
 * Compiles the server, the platform plugins and the benchmarks to `dist/` (ES modules, one shared
 * chunk per common part, dependencies left in node_modules). `npm start` and `npm run bench` run
 * the build: TypeScript loaded through tsx costs a module-loader thread and ~60 MB more memory
 * than plain JavaScript, which a streamer's laptop should not pay. Tests run the sources.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const plugins = fs
  .readdirSync(path.join(root, 'plugins'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && fs.existsSync(path.join(root, 'plugins', d.name, 'index.ts')))
  .map((d) => `plugins/${d.name}/index.ts`);

fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ['src/server.ts', ...plugins, 'bench/index.ts', 'bench/one.ts', 'bench/load.ts'],
  outdir: 'dist',
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
