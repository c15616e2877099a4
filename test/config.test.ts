import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';
import { tempDir } from './helper.ts';

const withEnvFile = (text: string) => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, '.env'), text);
  return dir;
};

describe('configuration', () => {
  it('has the contract’s defaults', () => {
    expect(loadConfig({}, tempDir())).toEqual({
      port: 3000,
      host: '127.0.0.1',
      publicUrl: undefined,
      databaseUrl: 'file:./data/nongbo.db',
      redisUrl: undefined,
      adminToken: undefined,
      demo: true,
      logLevel: 'info',
    });
  });

  it('reads .env, and the process environment wins over it', () => {
    const dir = withEnvFile('PORT=4000\nHOST=0.0.0.0\n# a comment\nADMIN_TOKEN="from-file"\nPUBLIC_URL=http://10.0.0.5:4000/\n');
    const fromFile = loadConfig({}, dir);
    expect(fromFile).toMatchObject({ port: 4000, host: '0.0.0.0', adminToken: 'from-file', publicUrl: 'http://10.0.0.5:4000' });
    expect(loadConfig({ PORT: '0', ADMIN_TOKEN: 'from-env' }, dir)).toMatchObject({ port: 0, adminToken: 'from-env' });
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['PUBLIC_URL', 'nongbo.lan'],
    ['LOG_LEVEL', 'loud'],
    ['DATABASE_URL', 'mysql://x'],
    ['NONGBO_DEMO', 'yes'],
  ])('refuses %s=%s with a message naming the key', (key, value) => {
    expect(() => loadConfig({ [key]: value }, tempDir())).toThrow(ConfigError);
    expect(() => loadConfig({ [key]: value }, tempDir())).toThrow(key);
  });

  it('reads TRUST_PROXY as proxy addresses and refuses anything else', () => {
    expect(loadConfig({ TRUST_PROXY: '10.0.0.1, 10.0.0.0/8' }, tempDir()).trustProxy).toBe('10.0.0.1,10.0.0.0/8');
    expect(() => loadConfig({ TRUST_PROXY: 'everyone' }, tempDir())).toThrow(/TRUST_PROXY/);
  });

  it('lists every contract key in .env.example', () => {
    const example = fs.readFileSync(path.join(import.meta.dirname, '../.env.example'), 'utf8');
    for (const key of ['PORT', 'HOST', 'PUBLIC_URL', 'DATABASE_URL', 'REDIS_URL', 'ADMIN_TOKEN', 'NONGBO_DEMO', 'LOG_LEVEL']) {
      expect(example).toMatch(new RegExp(`^#?\\s*${key}=`, 'm'));
    }
  });
});
