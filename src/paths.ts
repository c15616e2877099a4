/**
 * Where the project's own files are: migrations, plugins, overlays, web pages. Found from this
 * module upwards, because it runs from two places: `src/` as TypeScript (tests, `npm run dev`)
 * and `dist/` as the compiled build that `npm start` runs, where files are bundled at other depths.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'migrations'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no Nongbo checkout above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

export const ROOT = projectRoot();

/** Whether this is the compiled build (`dist/`), whose plugins are JavaScript. */
export const COMPILED = import.meta.url.endsWith('.js');

export const PATHS = {
  sqliteMigrations: path.join(ROOT, 'migrations', 'sqlite'),
  postgresMigrations: path.join(ROOT, 'migrations', 'postgres'),
  plugins: COMPILED ? path.join(ROOT, 'dist', 'plugins') : path.join(ROOT, 'plugins'),
  web: path.join(ROOT, 'web'),
  overlays: path.join(ROOT, 'overlays'),
};
