/**
 * PostgreSQL for the tests that run against both engines (`TEST_DATABASE=postgres`, the vitest
 * project "postgres"): each app gets a database of its own, cloned from a migrated template.
 */
import crypto from 'node:crypto';
import net from 'node:net';
import pg from 'pg';
import { inject } from 'vitest';
import { openPostgresStore } from '../src/store/postgres/store.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** This run's name for its databases, so that concurrent runs (CI, a developer, a check) never touch each other's. */
    postgresRun: string;
  }
}

export const PG = { host: '127.0.0.1', port: 5432, user: 'postgres' };
export const usePostgres = process.env.TEST_DATABASE === 'postgres';
/** Databases are `nongbo_t_<run>_<random>`, cloned from `nongbo_tpl_<run>`; `<run>` starts with the start time. */
const DATABASE_PREFIX = 'nongbo_t_';
const TEMPLATE_PREFIX = 'nongbo_tpl_';
const STALE_MS = 6 * 3600_000;

export const newRun = () => `${Date.now().toString(36)}_${crypto.randomBytes(2).toString('hex')}`;
const template = () => `${TEMPLATE_PREFIX}${inject('postgresRun')}`;

export function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ ...PG, database: 'postgres' });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

let templateReady: Promise<void> | undefined;

/** This run's template, migrated by whichever test process needs it first. */
function ensureTemplate(): Promise<void> {
  templateReady ??= (async () => {
    await admin(async (c) => {
      await c.query(`select pg_advisory_lock(7081)`);
      try {
        const { rows } = await c.query('select 1 from pg_database where datname = $1', [template()]);
        if (rows.length === 0) {
          await c.query(`create database ${template()}`);
          const store = await openPostgresStore(`postgres://${PG.user}@${PG.host}:${PG.port}/${template()}`);
          await store.close();
        }
      } finally {
        await c.query(`select pg_advisory_unlock(7081)`);
      }
    });
  })();
  return templateReady;
}

/** A fresh, migrated database and its URL. */
export async function freshPostgresUrl(): Promise<string> {
  await ensureTemplate();
  const name = `${DATABASE_PREFIX}${inject('postgresRun')}_${crypto.randomBytes(6).toString('hex')}`;
  await admin(async (c) => {
    // Cloning needs the template to itself; another process may be cloning it at the same moment.
    for (let attempt = 0; ; attempt++) {
      try {
        await c.query(`create database ${name} template ${template()}`);
        return;
      } catch (err) {
        if (attempt > 50 || !/being accessed by other users/.test((err as Error).message)) throw err;
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
      }
    }
  });
  return `postgres://${PG.user}@${PG.host}:${PG.port}/${name}`;
}

/** Drops this run's databases, and any a killed run left behind more than six hours ago. */
export async function dropDatabases(run: string): Promise<void> {
  await admin(async (c) => {
    const { rows } = await c.query<{ datname: string }>(`select datname from pg_database where datname like 'nongbo\\_t%'`);
    for (const { datname } of rows) {
      const owner = datname.startsWith(TEMPLATE_PREFIX) ? datname.slice(TEMPLATE_PREFIX.length) : datname.startsWith(DATABASE_PREFIX) ? datname.slice(DATABASE_PREFIX.length) : '';
      const started = parseInt(owner.split('_')[0] ?? '', 36);
      const stale = !Number.isFinite(started) || Date.now() - started > STALE_MS;
      if (owner.startsWith(`${run}_`) || owner === run || stale) await c.query(`drop database if exists ${datname} with (force)`);
    }
  });
}
