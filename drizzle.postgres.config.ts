import { defineConfig } from 'drizzle-kit';

// The PostgreSQL dialect of the scale-out mode. `npm run db:generate:postgres` writes its
// migrations; the server applies them at start when DATABASE_URL is postgres://….
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/store/postgres/schema.ts',
  out: './migrations/postgres',
});
