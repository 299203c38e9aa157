import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { inject } from 'vitest';
import { createApp, type ProviderOverride } from '../../src/app.factory';
import type { AppConfig } from '../../src/config/app-config';
import { loadConfig, type RawEnvironment } from '../../src/config/load-config';
import { ManualClock } from '../../src/security/clock';
import { cloneTemplate, databaseUrl, dropDatabase } from './database';

/** Collects every JSON log line the app writes, for assertions (and the secret-leak check on close). */
export class LogCapture extends Writable {
  readonly lines: string[] = [];

  override _write(chunk: Buffer, _encoding: string, callback: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) this.lines.push(line);
    callback();
  }

  get entries(): Array<Record<string, unknown>> {
    return this.lines.map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return { raw: line };
      }
    });
  }

  text(): string {
    return this.lines.join('\n');
  }
}

/** Values that must never reach a log line; tests register the passwords and tokens they use. */
export const knownSecrets = new Set<string>();

const JWT_IN_TEXT = /eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/;

export interface TestApp {
  app: NestExpressApplication;
  config: AppConfig;
  http: ReturnType<typeof request>;
  logs: LogCapture;
  clock: ManualClock;
  db: DataSource;
  databaseUrl: string;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: RawEnvironment;
  /** Reuse another app's database (two instances of one deployment). */
  databaseName?: string;
  clock?: ManualClock;
  /** Rewrites the database URL, e.g. to add a password (ignored by a trust-auth server) so NODE_ENV=production starts. */
  mapDatabaseUrl?: (url: string) => string;
  /** Providers replaced in the app (e.g. a ViewerContentSource fake). */
  overrides?: ProviderOverride[];
}

export const TEST_JWT_SECRET = randomBytes(32).toString('base64url');
export const TEST_ENCRYPTION_KEY = randomBytes(32).toString('base64url');

/** Environment every test app starts from; a test overrides what it is about. */
export function baseTestEnv(dataDir: string): RawEnvironment {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    DATA_DIR: dataDir,
    JWT_SECRET: TEST_JWT_SECRET,
    DATA_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    DATABASE_MIGRATIONS_RUN: 'false',
    DATABASE_CONNECT_RETRIES: '2',
    DATABASE_CONNECT_RETRY_DELAY_MS: '200',
    GLOBAL_RATE_LIMIT: '100000/minute',
    AUTH_RATE_LIMIT: '100000/minute',
    UPLOAD_RATE_LIMIT: '100000/minute',
    SWAGGER_ENABLED: 'true',
    SHUTDOWN_GRACE_MS: '2000',
  };
}

/** Builds the real application (`createApp`) on its own database cloned from the migrated template. */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const adminUrl = inject('dbAdminUrl');
  const ownDatabase = options.databaseName === undefined;
  const name = options.databaseName ?? (await cloneTemplate(adminUrl, inject('dbTemplate'), inject('dbPrefix')));
  const url = (options.mapDatabaseUrl ?? ((plain: string) => plain))(databaseUrl(adminUrl, name));
  const dataDir = mkdtempSync(join(tmpdir(), 'vertex-ar-test-'));
  const config = loadConfig({ ...baseTestEnv(dataDir), ...options.env, DATABASE_URL: url }, dataDir);
  const logs = new LogCapture();
  const clock = options.clock ?? new ManualClock();
  const app = await createApp({ config, logStream: logs, clock, overrides: options.overrides });
  const db = app.get(DataSource);

  return {
    app,
    config,
    http: request(app.getHttpServer()),
    logs,
    clock,
    db,
    databaseUrl: url,
    async close() {
      await app.close();
      const text = logs.text();
      const leaked = [...knownSecrets, config.security.jwtSecret, config.security.dataEncryptionKey].filter(
        (secret) => secret.length >= 8 && text.includes(secret),
      );
      if (ownDatabase) await dropDatabase(adminUrl, name).catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
      if (leaked.length > 0 || JWT_IN_TEXT.test(text)) {
        throw new Error(
          `secret material found in the captured logs (${leaked.length} known secret(s)${JWT_IN_TEXT.test(text) ? ', a JWT' : ''})`,
        );
      }
    },
  };
}
