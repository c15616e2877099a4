import { defineConfig } from 'drizzle-kit';

// The embedded SQLite dialect. Migrations are generated from the schema with `npm run db:generate`
// and applied by the server at start.
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/store/sqlite/schema.ts',
  out: './migrations/sqlite',
});
