/** Before the postgres project runs: a fresh template (the migrations may have changed); after: no test databases left. */
import { dropTemplate, PG, reachable } from './postgres.ts';

export async function setup(): Promise<() => Promise<void>> {
  if (!(await reachable(PG.port))) return async () => {};
  await dropTemplate();
  return dropTemplate;
}
