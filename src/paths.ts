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

/** The build this module belongs to (`dist/` unless built elsewhere): the nearest folder above it with compiled plugins. */
function buildRoot(): string {
  const hasPlugins = (dir: string) => {
    const plugins = path.join(dir, 'plugins');
    return fs.existsSync(plugins) && fs.readdirSync(plugins).some((name) => fs.existsSync(path.join(plugins, name, 'index.js')));
  };
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!hasPlugins(dir)) {
    const parent = path.dirname(dir);
    if (parent === dir || dir === ROOT) throw new Error(`no compiled plugins above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
  return dir;
}

/** The compiled build's folder, when this is it. */
export const BUILD = COMPILED ? buildRoot() : undefined;

export const PATHS = {
  sqliteMigrations: path.join(ROOT, 'migrations', 'sqlite'),
  postgresMigrations: path.join(ROOT, 'migrations', 'postgres'),
  /** The build's own plugins when compiled (`dist/plugins`, or wherever it was built to). */
  plugins: BUILD ? path.join(BUILD, 'plugins') : path.join(ROOT, 'plugins'),
  web: path.join(ROOT, 'web'),
  overlays: path.join(ROOT, 'overlays'),
};
