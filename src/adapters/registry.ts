import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { COMPILED, PATHS } from '../paths.ts';
import type { PlatformPlugin } from './plugin.ts';

/** A plugin's entry: TypeScript in the source tree, JavaScript in the compiled build. */
const ENTRY = COMPILED ? 'index.js' : 'index.ts';

/** The platform plugins, one per folder of `plugins/`, by platform name. */
export class PluginRegistry {
  private readonly plugins = new Map<string, PlatformPlugin>();

  add(plugin: PlatformPlugin): void {
    if (this.plugins.has(plugin.platform)) throw new Error(`two plugins claim the platform "${plugin.platform}"`);
    this.plugins.set(plugin.platform, plugin);
  }

  get(platform: string): PlatformPlugin | undefined {
    return this.plugins.get(platform);
  }

  get platforms(): string[] {
    return [...this.plugins.keys()].sort();
  }

  all(): PlatformPlugin[] {
    return this.platforms.map((p) => this.plugins.get(p)!);
  }

  /** Loads every `plugins/<name>/index.ts` (its build in `dist/`); a folder's name must be its plugin's platform. */
  static async load(dir = PATHS.plugins): Promise<PluginRegistry> {
    const registry = new PluginRegistry();
    const folders = fs.readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory() && fs.existsSync(path.join(dir, d.name, ENTRY)));
    for (const folder of folders.sort((a, b) => a.name.localeCompare(b.name))) {
      const mod = (await import(pathToFileURL(path.join(dir, folder.name, ENTRY)).href)) as { default?: PlatformPlugin };
      const plugin = mod.default;
      if (!plugin?.platform || typeof plugin.create !== 'function') throw new Error(`${path.join(dir, folder.name, ENTRY)} does not export a platform plugin`);
      if (plugin.platform !== folder.name) throw new Error(`${path.join(dir, folder.name)} declares platform "${plugin.platform}"`);
      registry.add(plugin);
    }
    return registry;
  }
}
