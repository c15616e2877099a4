/** Names this run's PostgreSQL databases for the postgres project, and drops them afterwards. */
import type { TestProject } from 'vitest/node';
import { dropDatabases, newRun, PG, reachable } from './postgres.ts';

export async function setup(project: TestProject): Promise<() => Promise<void>> {
  const run = newRun();
  project.provide('postgresRun', run);
  if (!(await reachable(PG.port))) return async () => {};
  await dropDatabases(run);
  return () => dropDatabases(run);
}
