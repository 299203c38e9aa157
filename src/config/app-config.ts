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
  /** Bearer token for `GET /metrics`; null: metrics are disabled (404). */
  metricsToken: string | null;
  /** The `.env` file this configuration would be read from (checked for permissions by the readiness check). */
  envFile: string;
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
  /** VIEWER_RATE_LIMIT: the public AR viewer and its assets, per client IP (a budget apart from the API's). */
  viewerRateLimit: RateLimit;
  redisUrl: string | null;
  redisKeyPrefix: string;
  jsonMaxDepth: number;
  jsonBodyLimitBytes: number;
  /** Which secrets were generated for this development data folder instead of configured. */
  generatedSecrets: string[];
}

export interface StorageSection {
  root: string;
  /** Connect/idle timeout of every remote storage request, and of a connection test (ms). */
  timeoutMs: number;
  /** Yandex Disk REST API origin (a local fake in tests). */
  yandexDiskApiUrl: string;
}

export interface MailSection {
  /** Set only to report that SMTP credentials were (wrongly) put in the environment. */
  envCredentialsPresent: boolean;
  /** MAIL_ALLOW_PRIVATE_HOSTS: let the SMTP host resolve to loopback/private/link-local addresses (SSRF guard off). */
  allowPrivateHosts: boolean;
  /** Connection, greeting and socket timeout of every SMTP connection (ms, ≤ 10 s). */
  smtpTimeoutMs: number;
  /** Where development writes mails as `.eml` files while SMTP is not configured (`<DATA_DIR>/mail`). */
  outboxDir: string;
}

export interface BackupSection {
  /** BACKUP_DIR: where archives and manifests are written (default `<DATA_DIR>/backups`). */
  dir: string;
  /** BACKUP_KEEP: complete backups kept by rotation (the last good one is never deleted). */
  keep: number;
  /** BACKUP_CRON: schedule of the automatic full backup (UTC, once per cluster). */
  cron: string;
  /** BACKUP_REMOTE_CONNECTION_ID: a storage connection that receives a copy under `backups/`; null: local only. */
  remoteConnectionId: string | null;
}

export interface ArSection {
  /** MAX_IMAGE_MB in bytes: an uploaded portrait photo larger than this is refused with 413 while streaming. */
  maxImageBytes: number;
  /** MAX_VIDEO_MB in bytes. */
  maxVideoBytes: number;
  /** MAX_VIDEO_SECONDS: longest accepted video. */
  maxVideoSeconds: number;
  /**
   * COMPANY_STORAGE_QUOTA_MB in bytes: most image + video bytes one company may store (0 = unlimited). Checked
   * at the upload edge against the declared Content-Length, with an atomic reservation.
   */
  companyQuotaBytes: number;
  /** UPLOAD_MAX_CONCURRENT: uploads one process streams at a time; more are refused with 503 + Retry-After. */
  maxConcurrentUploads: number;
  /** Upload temp files (`<DATA_DIR>/tmp`; not /tmp, which is a small tmpfs in the container). */
  tmpDir: string;
}

/** The typed, validated configuration. Built once from the environment by `loadConfig`. */
export interface AppConfig {
  app: AppSection;
  database: DatabaseSection;
  security: SecuritySection;
  storage: StorageSection;
  mail: MailSection;
  backup: BackupSection;
  ar: ArSection;
}

export const APP_CONFIG = Symbol('APP_CONFIG');
