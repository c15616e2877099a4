/**
 * What the rest of the server needs to know about PostgreSQL without loading its driver: an
 * embedded-SQLite server never loads `pg` and drizzle's driver for it (with Redis's client, which
 * is loaded the same way, ~10 MB resident), so these live apart from the store.
 */

/** Errors that mean PostgreSQL is out of reach (as opposed to a query it refused). */
export function isUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | undefined;
  const code = e?.code ?? '';
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', '57P01', '57P02', '57P03'].includes(code) ||
    code.startsWith('08') ||
    /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(e?.message ?? '')
  );
}

/** Where the database is, without the password, for messages. */
export function describeDatabase(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  return `${url.hostname}:${url.port || 5432}/${url.pathname.slice(1)}`;
}
