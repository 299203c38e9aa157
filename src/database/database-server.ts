import type { AppConfig } from '@app/config/app-config';
import { startEmbeddedPostgres, type RunningDatabaseServer } from './embedded-postgres';

export interface ResolvedDatabase {
  url: string;
  embedded: RunningDatabaseServer | null;
}

const EMBEDDED_DATABASE = 'vertex_ar';

/** The configured `DATABASE_URL`, or an embedded PostgreSQL server started for it. */
export async function resolveDatabase(config: AppConfig, log: (message: string) => void): Promise<ResolvedDatabase> {
  if (config.database.url) return { url: config.database.url, embedded: null };
  const embedded = await startEmbeddedPostgres({ ...config.database.embedded, log });
  await ensureDatabaseExists(embedded.adminUrl, EMBEDDED_DATABASE);
  return { url: embedded.urlFor(EMBEDDED_DATABASE), embedded };
}

export async function ensureDatabaseExists(adminUrl: string, database: string): Promise<void> {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) {
      const quoted = `"${database.replace(/"/g, '""')}"`;
      await client.query(`CREATE DATABASE ${quoted} ENCODING 'UTF8' TEMPLATE template0`);
    }
  } finally {
    await client.end();
  }
}
