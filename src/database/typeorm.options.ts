import type { DataSourceOptions } from 'typeorm';
import type { AppConfig } from '@app/config/app-config';
import { MIGRATIONS } from '../../migrations';
import { ENTITIES } from './entities';
import { SnakeNamingStrategy } from './naming.strategy';

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
    applicationName: `vertex-ar-${config.app.role}`,
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
