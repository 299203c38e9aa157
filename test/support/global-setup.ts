import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { DataSource } from 'typeorm';
import { loadConfig } from '../../src/config/load-config';
import { startEmbeddedPostgres, type RunningDatabaseServer } from '../../src/database/embedded-postgres';
import { runMigrationsLocked } from '../../src/database/migrations';
import { buildTypeOrmOptions } from '../../src/database/typeorm.options';
import { answers, databaseUrl, dropDatabase, withClient } from './database';
import { redisAnswers } from './redis';

declare module 'vitest' {
  export interface ProvidedContext {
    dbAdminUrl: string;
    dbTemplate: string;
    dbPrefix: string;
    redisUrl: string | null;
    runId: string;
  }
}

const LOCAL_SERVER = 'postgres://postgres@127.0.0.1:5432/postgres';

let embedded: RunningDatabaseServer | null = null;

/**
 * Picks the PostgreSQL server for the run (TEST_DATABASE_URL / DATABASE_URL, else 127.0.0.1:5432 when it
 * answers, else an embedded server), migrates a template database once, and hands its name to the tests.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const runId = randomBytes(3).toString('hex');
  let adminUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? null;
  if (!adminUrl && (await answers(LOCAL_SERVER))) adminUrl = LOCAL_SERVER;
  if (!adminUrl) {
    const dir = join(tmpdir(), 'vertex-ar-test-postgres');
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o755);
    embedded = await startEmbeddedPostgres({ dataDir: join(dir, 'data'), port: 54_339 });
    adminUrl = embedded.adminUrl;
  }

  const prefix = `vertex_test_${runId}`;
  const template = `${prefix}_template`;
  await withClient(adminUrl, (client) => client.query(`CREATE DATABASE "${template}"`));
  const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: 'x'.repeat(40), DATA_ENCRYPTION_KEY: 'y'.repeat(40), DATA_DIR: tmpdir() });
  const dataSource = new DataSource(buildTypeOrmOptions(config, databaseUrl(adminUrl, template)));
  await dataSource.initialize();
  await runMigrationsLocked(dataSource);
  await dataSource.destroy();

  const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redisOk = await redisAnswers(redisUrl);
  if (!redisOk && process.env.REQUIRE_REDIS === '1') throw new Error(`REQUIRE_REDIS=1 but Redis at ${redisUrl} does not answer`);

  project.provide('dbAdminUrl', adminUrl);
  project.provide('dbTemplate', template);
  project.provide('dbPrefix', prefix);
  project.provide('redisUrl', redisOk ? redisUrl : null);
  project.provide('runId', runId);

  const finalAdminUrl = adminUrl;
  return async () => {
    const rows = await withClient(finalAdminUrl, (client) =>
      client.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`${prefix}%`]),
    );
    for (const row of rows.rows) await dropDatabase(finalAdminUrl, row.datname).catch(() => undefined);
    await embedded?.stop();
  };
}
