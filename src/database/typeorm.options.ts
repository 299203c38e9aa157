import { hostname } from 'node:os';
import type { DataSourceOptions } from 'typeorm';
import type { AppConfig } from '@app/config/app-config';
import { MIGRATIONS } from '../../migrations';
import { ENTITIES } from './entities';
import { SnakeNamingStrategy } from './naming.strategy';

export const APPLICATION_NAME_PREFIX = 'vertex-ar-';

/**
 * `vertex-ar-<role>-<host>-<pid>`, at most 63 characters (PostgreSQL's limit; the host part is cut): lets the
 * readiness check count the running instances in `pg_stat_activity`.
 */
export function applicationName(role: string, host = hostname(), pid = process.pid): string {
  const head = `${APPLICATION_NAME_PREFIX}${role}-`;
  const tail = `-${pid}`;
  const safeHost = host.replace(/[^A-Za-z0-9.-]/g, '_').slice(0, Math.max(0, 63 - head.length - tail.length));
  return `${head}${safeHost}${tail}`;
}

/** The one TypeORM options object, shared by the application, the CLI data source and the tests. */
export function buildTypeOrmOptions(config: AppConfig, url: string): DataSourceOptions {
  const db = config.database;
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each',
    migrationsRun: false,
    synchronize: false,
    namingStrategy: new SnakeNamingStrategy(),
    ssl: db.ssl ? { rejectUnauthorized: true } : false,
    logging: false,
    poolSize: db.poolMax,
    connectTimeoutMS: db.connectTimeoutMs,
    applicationName: applicationName(config.app.role),
    // findOneBy({ id: undefined }) must never match the first row (typeorm#2500).
    invalidWhereValuesBehavior: { null: 'throw', undefined: 'throw' },
    extra: {
      max: db.poolMax,
      connectionTimeoutMillis: db.connectTimeoutMs,
      idleTimeoutMillis: 30_000,
      statement_timeout: db.statementTimeoutMs,
      idle_in_transaction_session_timeout: Math.max(db.statementTimeoutMs * 2, 60_000),
    },
  };
}
