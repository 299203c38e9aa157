import type { RateLimit } from './rate-limit';

export type NodeEnv = 'development' | 'production' | 'test';
export type ProcessRole = 'all' | 'api' | 'worker';

export interface AppSection {
  env: NodeEnv;
  role: ProcessRole;
  port: number;
  host: string;
  baseUrl: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  dataDir: string;
  swaggerEnabled: boolean;
  shutdownGraceMs: number;
  version: string;
}

export interface DatabaseSection {
  /** null: start the embedded PostgreSQL server. */
  url: string | null;
  ssl: boolean;
  poolMax: number;
  statementTimeoutMs: number;
  connectTimeoutMs: number;
  connectRetries: number;
  connectRetryDelayMs: number;
  migrationsRun: boolean;
  embedded: { dataDir: string; port: number };
}

export interface SecuritySection {
  jwtSecret: string;
  jwtIssuer: string;
  jwtAudience: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlDays: number;
  dataEncryptionKey: string;
  previousDataEncryptionKeys: string[];
  authMaxAttempts: number;
  authLockoutMinutes: number;
  firstAdminEmail: string;
  corsOrigins: string[];
  trustProxyHops: number;
  rateLimitEnabled: boolean;
  globalRateLimit: RateLimit;
  authRateLimit: RateLimit;
  uploadRateLimit: RateLimit;
  redisUrl: string | null;
  redisKeyPrefix: string;
  jsonMaxDepth: number;
  jsonBodyLimitBytes: number;
  /** Which secrets were generated for this development data folder instead of configured. */
  generatedSecrets: string[];
}

export interface StorageSection {
  root: string;
}

export interface MailSection {
  /** Set only to report that SMTP credentials were (wrongly) put in the environment. */
  envCredentialsPresent: boolean;
}

/** The typed, validated configuration. Built once from the environment by `loadConfig`. */
export interface AppConfig {
  app: AppSection;
  database: DatabaseSection;
  security: SecuritySection;
  storage: StorageSection;
  mail: MailSection;
}

export const APP_CONFIG = Symbol('APP_CONFIG');
