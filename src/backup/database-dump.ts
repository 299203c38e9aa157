import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Client } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import type * as tar from 'tar-stream';
import { DataSource } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import type { AppConfig } from '@app/config/app-config';
import { runMigrationsLocked } from '@app/database/migrations';
import { buildTypeOrmOptions } from '@app/database/typeorm.options';
import { MIGRATIONS } from '../../migrations';
import { addBufferEntry } from './archive-io';
import { BackupIntegrityError } from './backup-crypto';
import type { TableManifest } from './backup-manifest';
import { tableEntryName } from './backup-manifest';

/** Not dumped: recreated by the migrations (`schema_migrations`), or rebuilt from the files on disk (`backups`). */
const EXCLUDED_TABLES = new Set(['schema_migrations', 'backups']);
/** COPY output is cut into tar entries of at most this size (tar needs each entry's size up front). */
const PART_BYTES = 4 * 1024 * 1024;

const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;

export class MigrationMismatchError extends Error {}

export function pgClient(url: string, config: AppConfig): Client {
  return new Client({
    connectionString: url,
    ssl: config.database.ssl ? { rejectUnauthorized: true } : undefined,
    connectionTimeoutMillis: config.database.connectTimeoutMs,
    application_name: 'vertex-ar-backup',
  });
}

interface TableInfo {
  name: string;
  columns: string[];
}

/** Tables of the current schema, parents before children (foreign keys), so a plain load satisfies the FKs. */
async function tablesInForeignKeyOrder(client: Client): Promise<TableInfo[]> {
  const tables = await client.query<{ name: string; columns: string[] }>(`
    SELECT c.relname AS name,
           array(SELECT a.attname::text FROM pg_attribute a
                 WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
                 ORDER BY a.attnum) AS columns
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
    ORDER BY c.relname`);
  const edges = await client.query<{ child: string; parent: string }>(`
    SELECT ch.relname AS child, pa.relname AS parent
    FROM pg_constraint k
    JOIN pg_class ch ON ch.oid = k.conrelid JOIN pg_class pa ON pa.oid = k.confrelid
    JOIN pg_namespace n ON n.oid = ch.relnamespace
    WHERE k.contype = 'f' AND n.nspname = current_schema()`);
  const wanted = tables.rows.filter((table) => !EXCLUDED_TABLES.has(table.name));
  const parents = new Map(wanted.map((table) => [table.name, new Set<string>()]));
  for (const { child, parent } of edges.rows)
    if (child !== parent && parents.has(child) && parents.has(parent)) parents.get(child)!.add(parent);
  const ordered: TableInfo[] = [];
  const placed = new Set<string>();
  let remaining = wanted;
  while (remaining.length > 0) {
    const ready = remaining.filter((table) => [...parents.get(table.name)!].every((parent) => placed.has(parent)));
    // A foreign-key cycle: load the rest alphabetically (the restore disables FK triggers when it may).
    const batch = ready.length > 0 ? ready : remaining;
    for (const table of batch) {
      ordered.push(table);
      placed.add(table.name);
    }
    remaining = remaining.filter((table) => !placed.has(table.name));
  }
  return ordered;
}

export interface DatabaseDump {
  migration: string | null;
  tables: TableManifest[];
  sequences: Array<{ name: string; value: string }>;
}

/**
 * Dumps every table with `COPY … TO STDOUT (FORMAT binary)` from one REPEATABLE READ snapshot, so the tables
 * are consistent with each other and with the recorded migration. No external binary is needed.
 */
export async function dumpDatabase(
  url: string,
  config: AppConfig,
  pack: tar.Pack,
  onBytes: (bytes: number) => void,
): Promise<DatabaseDump> {
  const client = pgClient(url, config);
  await client.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query('SET LOCAL statement_timeout = 0');
    await client.query('SET LOCAL idle_in_transaction_session_timeout = 0');
    const migration = await client.query<{ name: string }>(`SELECT name FROM schema_migrations ORDER BY timestamp DESC, id DESC LIMIT 1`);
    const tables = await tablesInForeignKeyOrder(client);
    const manifests: TableManifest[] = [];
    for (const [index, table] of tables.entries()) {
      const columns = table.columns.map(ident).join(', ');
      const stream = client.query(copyTo(`COPY ${ident(table.name)} (${columns}) TO STDOUT (FORMAT binary)`));
      const hash = createHash('sha256');
      let bytes = 0;
      let parts = 0;
      let buffered: Buffer[] = [];
      let bufferedBytes = 0;
      const flush = async (): Promise<void> => {
        const data = Buffer.concat(buffered);
        buffered = [];
        bufferedBytes = 0;
        await addBufferEntry(pack, tableEntryName(index, parts), data);
        parts += 1;
      };
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        hash.update(chunk);
        bytes += chunk.length;
        onBytes(chunk.length);
        buffered.push(chunk);
        bufferedBytes += chunk.length;
        if (bufferedBytes >= PART_BYTES) await flush();
      }
      if (bufferedBytes > 0 || parts === 0) await flush();
      manifests.push({ name: table.name, columns: table.columns, rows: stream.rowCount, bytes, sha256: hash.digest('hex'), parts });
    }
    const sequences = await client.query<{ name: string; value: string }>(
      `SELECT sequencename AS name, last_value::text AS value FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL`,
    );
    await client.query('COMMIT');
    return { migration: migration.rows[0]?.name ?? null, tables: manifests, sequences: sequences.rows };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Index of a migration in MIGRATIONS (the order TypeORM applies them), or -1 when this code does not know it. */
export function migrationIndex(name: string | null): number {
  if (name === null) return -1;
  return MIGRATIONS.findIndex((migration) => migration.name === name);
}

/** Drops every table, view, sequence and enum type of the target's current schema (the job queue's schema stays). */
export async function wipeSchema(url: string, config: AppConfig): Promise<void> {
  const client = pgClient(url, config);
  await client.connect();
  try {
    const statements = await client.query<{ sql: string }>(`
      SELECT format('DROP TABLE IF EXISTS %I CASCADE', tablename) AS sql FROM pg_tables WHERE schemaname = current_schema()
      UNION ALL SELECT format('DROP VIEW IF EXISTS %I CASCADE', viewname) FROM pg_views WHERE schemaname = current_schema()
      UNION ALL SELECT format('DROP SEQUENCE IF EXISTS %I CASCADE', sequencename) FROM pg_sequences WHERE schemaname = current_schema()
      UNION ALL SELECT format('DROP TYPE IF EXISTS %I CASCADE', t.typname) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = current_schema() AND t.typtype = 'e'`);
    await client.query('BEGIN');
    for (const { sql } of statements.rows) await client.query(sql);
    await client.query('COMMIT');
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Applies MIGRATIONS[0..upTo] (inclusive) to the target; `upTo` = last index applies them all. */
export async function migrateTarget(url: string, config: AppConfig, upTo: number): Promise<string[]> {
  const options = buildTypeOrmOptions(config, url) as PostgresConnectionOptions;
  const dataSource = new DataSource({
    ...options,
    migrations: MIGRATIONS.slice(0, upTo + 1),
    poolSize: 2,
    extra: { ...(options.extra as object), max: 2, statement_timeout: 0 },
  });
  await dataSource.initialize();
  try {
    return await runMigrationsLocked(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

/**
 * Loads COPY parts into an already migrated database, in one transaction: TRUNCATE what the migrations
 * seeded, then one `COPY … FROM STDIN` per table in the dump's (foreign-key) order. `session_replication_role
 * = replica` (superuser, or a role granted SET on it) switches FK triggers off for FK cycles; without it the
 * parent-first order alone satisfies the FKs. Every table's bytes, SHA-256 and row count are checked before COMMIT.
 */
export class DatabaseLoader {
  private client: Client;
  private current: {
    index: number;
    stream: ReturnType<typeof copyFrom>;
    done: Promise<void>;
    hash: ReturnType<typeof createHash>;
    bytes: number;
    part: number;
  } | null = null;
  private readonly loaded = new Map<number, number>();
  replicaMode = false;

  constructor(
    url: string,
    config: AppConfig,
    private readonly tables: TableManifest[],
  ) {
    this.client = pgClient(url, config);
  }

  async begin(): Promise<void> {
    await this.client.connect();
    await this.client.query('BEGIN');
    await this.client.query('SET LOCAL statement_timeout = 0');
    await this.client.query('SET LOCAL idle_in_transaction_session_timeout = 0');
    await this.client.query('SAVEPOINT replica');
    try {
      await this.client.query(`SET LOCAL session_replication_role = replica`);
      this.replicaMode = true;
    } catch {
      await this.client.query('ROLLBACK TO SAVEPOINT replica');
    }
    if (this.tables.length > 0) await this.client.query(`TRUNCATE ${this.tables.map((table) => ident(table.name)).join(', ')} CASCADE`);
  }

  async write(index: number, part: number, data: Readable): Promise<void> {
    const table = this.tables[index];
    if (!table) throw new BackupIntegrityError(`archive names an unknown table ${index}`);
    if (this.current && this.current.index !== index) await this.finishTable();
    if (!this.current) {
      if (this.loaded.has(index)) throw new BackupIntegrityError(`table ${table.name} appears twice`);
      const stream = this.client.query(
        copyFrom(`COPY ${ident(table.name)} (${table.columns.map(ident).join(', ')}) FROM STDIN (FORMAT binary)`),
      );
      const done = new Promise<void>((resolve, reject) => {
        stream.on('finish', resolve);
        stream.on('error', reject);
      });
      done.catch(() => undefined);
      this.current = { index, stream, done, hash: createHash('sha256'), bytes: 0, part: 0 };
    }
    const current = this.current;
    if (part !== current.part) throw new BackupIntegrityError(`table ${table.name}: part ${part} out of order`);
    current.part += 1;
    for await (const chunk of data as AsyncIterable<Buffer>) {
      current.hash.update(chunk);
      current.bytes += chunk.length;
      if (!current.stream.write(chunk)) await new Promise<void>((resolve) => current.stream.once('drain', resolve));
    }
  }

  private async finishTable(): Promise<void> {
    const current = this.current!;
    this.current = null;
    current.stream.end();
    await current.done;
    const table = this.tables[current.index];
    if (current.bytes !== table.bytes || current.hash.digest('hex') !== table.sha256 || current.part !== table.parts) {
      throw new BackupIntegrityError(`table ${table.name}: data does not match the manifest checksum`);
    }
    if (current.stream.rowCount !== table.rows) {
      throw new BackupIntegrityError(`table ${table.name}: ${current.stream.rowCount} rows loaded, manifest says ${table.rows}`);
    }
    this.loaded.set(current.index, current.stream.rowCount);
  }

  /** Checks that every table arrived, sets the sequences and commits; returns the rows loaded per table. */
  async commit(sequences: Array<{ name: string; value: string }>): Promise<Record<string, number>> {
    if (this.current) await this.finishTable();
    const missing = this.tables.filter((_, index) => !this.loaded.has(index));
    if (missing.length > 0) throw new BackupIntegrityError(`tables missing from the archive: ${missing.map((t) => t.name).join(', ')}`);
    for (const sequence of sequences)
      await this.client.query(`SELECT setval($1::regclass, $2::bigint)`, [ident(sequence.name), sequence.value]);
    await this.client.query('COMMIT');
    return Object.fromEntries(this.tables.map((table, index) => [table.name, this.loaded.get(index)!]));
  }

  async close(): Promise<void> {
    if (this.current) this.current.stream.destroy();
    await this.client.query('ROLLBACK').catch(() => undefined);
    await this.client.end().catch(() => undefined);
  }
}

/** Row counts of the given tables in a database (for the verification restore). */
export async function countRows(url: string, config: AppConfig, tables: string[]): Promise<Record<string, number>> {
  const client = pgClient(url, config);
  await client.connect();
  try {
    const counts: Record<string, number> = {};
    for (const table of tables) {
      const result = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${ident(table)}`);
      counts[table] = Number(result.rows[0].n);
    }
    return counts;
  } finally {
    await client.end().catch(() => undefined);
  }
}
