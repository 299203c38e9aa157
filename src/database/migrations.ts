import type { DataSource } from 'typeorm';

/** Arbitrary constant shared by every instance: only one of them migrates at a time. */
const MIGRATION_LOCK_KEY = 7_240_531_001;

/** Runs pending migrations while holding a PostgreSQL advisory lock. Returns the names applied. */
export async function runMigrationsLocked(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      return applied.map((migration) => migration.name);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
  }
}

/** Name of the newest applied migration, or null on an empty database. */
export async function currentMigration(dataSource: DataSource): Promise<string | null> {
  const [table] = (await dataSource.query(`SELECT to_regclass('schema_migrations') IS NOT NULL AS "exists"`)) as Array<{
    exists: boolean;
  }>;
  if (!table?.exists) return null;
  const rows = (await dataSource.query(`SELECT name FROM schema_migrations ORDER BY timestamp DESC LIMIT 1`)) as Array<{ name: string }>;
  return rows[0]?.name ?? null;
}
