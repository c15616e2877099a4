/**
 * PostgreSQL for the tests that run against both engines (`TEST_DATABASE=postgres`, the vitest
 * project "postgres"): each app gets a database of its own, cloned from a migrated template.
 */
import crypto from 'node:crypto';
import net from 'node:net';
import pg from 'pg';
import { openPostgresStore } from '../src/store/postgres/store.ts';

export const PG = { host: '127.0.0.1', port: 5432, user: 'postgres' };
const TEMPLATE = 'nongbo_test_template';
export const usePostgres = process.env.TEST_DATABASE === 'postgres';

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

let template: Promise<void> | undefined;

/** The template, migrated once per test process (re-created: the migrations may have changed). */
function ensureTemplate(): Promise<void> {
  template ??= (async () => {
    await admin(async (c) => {
      await c.query(`select pg_advisory_lock(7081)`);
      try {
        const { rows } = await c.query('select 1 from pg_database where datname = $1', [TEMPLATE]);
        if (rows.length === 0) {
          await c.query(`create database ${TEMPLATE}`);
          const store = await openPostgresStore(`postgres://${PG.user}@${PG.host}:${PG.port}/${TEMPLATE}`);
          await store.close();
        }
      } finally {
        await c.query(`select pg_advisory_unlock(7081)`);
      }
    });
  })();
  return template;
}

/** A fresh, migrated database and its URL. */
export async function freshPostgresUrl(): Promise<string> {
  await ensureTemplate();
  const name = `nongbo_t_${crypto.randomBytes(6).toString('hex')}`;
  await admin(async (c) => {
    // Cloning needs the template to itself; another process may be cloning it at the same moment.
    for (let attempt = 0; ; attempt++) {
      try {
        await c.query(`create database ${name} template ${TEMPLATE}`);
        return;
      } catch (err) {
        if (attempt > 50 || !/being accessed by other users/.test((err as Error).message)) throw err;
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
      }
    }
  });
  return `postgres://${PG.user}@${PG.host}:${PG.port}/${name}`;
}

/** Drops the template so the next run migrates it from scratch (called once before the postgres project). */
export async function dropTemplate(): Promise<void> {
  await admin(async (c) => {
    const { rows } = await c.query<{ datname: string }>(`select datname from pg_database where datname = $1 or datname like 'nongbo_t_%'`, [TEMPLATE]);
    for (const { datname } of rows) await c.query(`drop database if exists ${datname} with (force)`);
  });
}
