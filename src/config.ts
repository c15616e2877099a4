import fs from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';

/** Everything the server reads from its environment (see `.env.example` and the contract). */
export interface Config {
  port: number;
  host: string;
  /** Base of every URL handed out; when unset it follows the port actually bound. */
  publicUrl: string | undefined;
  databaseUrl: string;
  redisUrl: string | undefined;
  adminToken: string | undefined;
  demo: boolean;
  logLevel: string;
  /**
   * The reverse proxies whose X-Forwarded-For is believed (addresses or CIDRs, comma-separated):
   * behind a proxy every client otherwise has its address, and ten wrong logins from anyone
   * would lock everyone out.
   */
  trustProxy?: string;
}

export class ConfigError extends Error {}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Reads `.env` from `cwd` (if present) under the process environment, which always wins, so a
 * one-off `PORT=0 npm start` overrides whatever the file says.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const file = path.join(cwd, '.env');
  const fromFile = fs.existsSync(file) ? parseEnv(fs.readFileSync(file, 'utf8')) : {};
  const get = (key: string): string | undefined => {
    const value = env[key] ?? fromFile[key];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };

  const portText = get('PORT') ?? '3000';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new ConfigError(`PORT must be 0–65535, got "${portText}"`);

  const publicUrl = get('PUBLIC_URL');
  if (publicUrl !== undefined && !/^https?:\/\/[^/\s]+/.test(publicUrl)) {
    throw new ConfigError(`PUBLIC_URL must start with http:// or https://, got "${publicUrl}"`);
  }

  const logLevel = get('LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);

  const databaseUrl = get('DATABASE_URL') ?? 'file:./data/nongbo.db';
  if (!/^(file:|postgres(ql)?:\/\/)/.test(databaseUrl)) {
    throw new ConfigError(`DATABASE_URL must be file:PATH or postgres://…, got "${databaseUrl}"`);
  }

  const trustText = get('TRUST_PROXY');
  if (trustText !== undefined && !/^[0-9a-fA-F:.\/]+(\s*,\s*[0-9a-fA-F:.\/]+)*$/.test(trustText)) {
    throw new ConfigError(`TRUST_PROXY must be proxy addresses or CIDRs, comma-separated (10.0.0.1, 10.0.0.0/8), got "${trustText}"`);
  }
  const trustProxy = trustText?.replace(/\s+/g, '');

  const demo = get('NONGBO_DEMO') ?? '1';
  if (demo !== '0' && demo !== '1') throw new ConfigError(`NONGBO_DEMO must be 0 or 1, got "${demo}"`);

  return {
    port,
    host: get('HOST') ?? '127.0.0.1',
    publicUrl: publicUrl?.replace(/\/+$/, ''),
    databaseUrl,
    redisUrl: get('REDIS_URL'),
    adminToken: get('ADMIN_TOKEN'),
    demo: demo === '1',
    logLevel,
    trustProxy,
  };
}
