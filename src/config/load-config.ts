import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { parse as parseDotenv } from 'dotenv';
import type { AppConfig, NodeEnv } from './app-config';
import { EnvironmentVariables } from './env.schema';
import { findProductionProblems } from './production-safeguards';
import { parseRateLimit, type RateLimit } from './rate-limit';

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigValidationError';
  }
}

export class UnsafeProductionConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Refusing to start in production: ${problems.join('; ')}`);
    this.name = 'UnsafeProductionConfigError';
  }
}

export type RawEnvironment = Record<string, string | undefined>;

const JSON_BODY_LIMIT_BYTES = 1024 * 1024;
const PACKAGE_VERSION = readPackageVersion();

function readPackageVersion(): string {
  for (const candidate of [join(__dirname, '..', '..', 'package.json'), join(__dirname, '..', '..', '..', 'package.json')]) {
    try {
      const parsed = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (parsed.name === 'vertex-ar-backend' && parsed.version) return parsed.version;
    } catch {
      // try the next location (source tree vs. dist/)
    }
  }
  return '0.0.0';
}

/**
 * The one place that reads `process.env`. In development and test a `.env` file in the working
 * directory fills in variables the environment does not set; in production only the real environment counts.
 */
export function readEnvironment(cwd = process.cwd()): RawEnvironment {
  const env: RawEnvironment = { ...process.env };
  if (env.NODE_ENV !== 'production') {
    const file = join(cwd, '.env');
    if (existsSync(file)) {
      const fromFile = parseDotenv(readFileSync(file));
      for (const [key, value] of Object.entries(fromFile)) {
        if (env[key] === undefined) env[key] = value;
      }
    }
  }
  return env;
}

function describe(errors: ValidationError[]): string[] {
  return errors.flatMap((error) =>
    Object.values(error.constraints ?? { invalid: `${error.property} is invalid` }).map((message) =>
      message.startsWith(error.property) ? message : `${error.property}: ${message}`,
    ),
  );
}

interface DevelopmentSecrets {
  jwtSecret: string;
  dataEncryptionKey: string;
}

/**
 * Outside production a missing JWT secret or encryption key is generated once and kept in the data folder
 * (mode 0600), so a fresh `npm start` works and restarts keep sessions and stored secrets readable.
 */
function developmentSecrets(dataDir: string): DevelopmentSecrets {
  const file = join(dataDir, '.dev-secrets.json');
  if (existsSync(file)) {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<DevelopmentSecrets>;
    if (parsed.jwtSecret && parsed.dataEncryptionKey) return parsed as DevelopmentSecrets;
  }
  const secrets: DevelopmentSecrets = {
    jwtSecret: randomBytes(48).toString('base64url'),
    dataEncryptionKey: randomBytes(32).toString('base64url'),
  };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  chmodSync(file, 0o600);
  return secrets;
}

function absolute(path: string, base: string): string {
  return isAbsolute(path) ? path : resolve(base, path);
}

function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/**
 * Validates the environment and builds the typed configuration. Throws `ConfigValidationError` with every
 * problem at once, and `UnsafeProductionConfigError` when production settings are unsafe.
 */
export function loadConfig(raw: RawEnvironment = readEnvironment(), cwd = process.cwd()): AppConfig {
  const env = plainToInstance(EnvironmentVariables, raw, { excludeExtraneousValues: false });
  const errors = validateSync(env, { whitelist: false, forbidUnknownValues: false });
  const problems = describe(errors);

  const nodeEnv: NodeEnv = env.NODE_ENV ?? 'development';
  const limits: Record<'GLOBAL_RATE_LIMIT' | 'AUTH_RATE_LIMIT' | 'UPLOAD_RATE_LIMIT' | 'VIEWER_RATE_LIMIT', RateLimit | null> = {
    GLOBAL_RATE_LIMIT: parseRateLimit(env.GLOBAL_RATE_LIMIT ?? '100/minute'),
    AUTH_RATE_LIMIT: parseRateLimit(env.AUTH_RATE_LIMIT ?? '5/minute'),
    UPLOAD_RATE_LIMIT: parseRateLimit(env.UPLOAD_RATE_LIMIT ?? '10/minute'),
    VIEWER_RATE_LIMIT: parseRateLimit(env.VIEWER_RATE_LIMIT ?? '600/minute'),
  };
  if (problems.length > 0) throw new ConfigValidationError(problems);

  const dataDir = absolute(env.DATA_DIR ?? 'data', cwd);
  const port = env.PORT ?? 3000;
  const generatedSecrets: string[] = [];
  let jwtSecret = env.JWT_SECRET;
  let dataEncryptionKey = env.DATA_ENCRYPTION_KEY;
  if (nodeEnv !== 'production' && (!jwtSecret || !dataEncryptionKey)) {
    const generated = developmentSecrets(dataDir);
    if (!jwtSecret) {
      jwtSecret = generated.jwtSecret;
      generatedSecrets.push('JWT_SECRET');
    }
    if (!dataEncryptionKey) {
      dataEncryptionKey = generated.dataEncryptionKey;
      generatedSecrets.push('DATA_ENCRYPTION_KEY');
    }
  }

  const config: AppConfig = {
    app: {
      env: nodeEnv,
      role: env.ROLE ?? 'all',
      port,
      host: env.HOST ?? '0.0.0.0',
      baseUrl: (env.BASE_URL ?? `http://localhost:${port}`).replace(/\/+$/, ''),
      logLevel: env.LOG_LEVEL ?? (nodeEnv === 'test' ? 'warn' : 'info'),
      dataDir,
      swaggerEnabled: env.SWAGGER_ENABLED ?? nodeEnv !== 'production',
      shutdownGraceMs: env.SHUTDOWN_GRACE_MS ?? 25_000,
      version: PACKAGE_VERSION,
      metricsToken: env.METRICS_TOKEN ?? null,
      envFile: join(cwd, '.env'),
    },
    database: {
      url: env.DATABASE_URL ?? null,
      ssl: env.DATABASE_SSL ?? false,
      poolMax: env.DATABASE_POOL_MAX ?? 10,
      statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS ?? 15_000,
      connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS ?? 5_000,
      connectRetries: env.DATABASE_CONNECT_RETRIES ?? 10,
      connectRetryDelayMs: env.DATABASE_CONNECT_RETRY_DELAY_MS ?? 1_000,
      migrationsRun: env.DATABASE_MIGRATIONS_RUN ?? true,
      embedded: {
        dataDir: absolute(env.EMBEDDED_PG_DIR ?? join(dataDir, 'postgres'), cwd),
        port: env.EMBEDDED_PG_PORT ?? 54329,
      },
    },
    security: {
      jwtSecret: jwtSecret ?? '',
      jwtIssuer: env.JWT_ISSUER ?? 'vertex-ar',
      jwtAudience: env.JWT_AUDIENCE ?? 'vertex-ar-api',
      accessTokenTtlSeconds: (env.SESSION_TIMEOUT_MINUTES ?? 30) * 60,
      refreshTokenTtlDays: env.REFRESH_TOKEN_TTL_DAYS ?? 14,
      dataEncryptionKey: dataEncryptionKey ?? '',
      previousDataEncryptionKeys: splitList(env.DATA_ENCRYPTION_PREVIOUS_KEYS),
      authMaxAttempts: env.AUTH_MAX_ATTEMPTS ?? 5,
      authLockoutMinutes: env.AUTH_LOCKOUT_MINUTES ?? 15,
      firstAdminEmail: (env.FIRST_ADMIN_EMAIL ?? 'admin@vertex-ar.local').trim().toLowerCase(),
      corsOrigins: splitList(env.CORS_ORIGINS),
      trustProxyHops: env.TRUST_PROXY_HOPS ?? 0,
      rateLimitEnabled: env.RATE_LIMIT_ENABLED ?? true,
      globalRateLimit: limits.GLOBAL_RATE_LIMIT as RateLimit,
      authRateLimit: limits.AUTH_RATE_LIMIT as RateLimit,
      uploadRateLimit: limits.UPLOAD_RATE_LIMIT as RateLimit,
      viewerRateLimit: limits.VIEWER_RATE_LIMIT as RateLimit,
      redisUrl: env.REDIS_URL ?? null,
      redisKeyPrefix: env.REDIS_KEY_PREFIX ?? 'vertex-ar:',
      jsonMaxDepth: env.JSON_MAX_DEPTH ?? 32,
      jsonBodyLimitBytes: JSON_BODY_LIMIT_BYTES,
      generatedSecrets,
    },
    storage: {
      root: absolute(env.STORAGE_ROOT ?? join(dataDir, 'storage'), cwd),
      timeoutMs: env.STORAGE_TIMEOUT_MS ?? 10_000,
      yandexDiskApiUrl: (env.YANDEX_DISK_API_URL ?? 'https://cloud-api.yandex.net').replace(/\/+$/, ''),
    },
    mail: {
      envCredentialsPresent: Boolean(env.SMTP_USERNAME || env.SMTP_PASSWORD),
      allowPrivateHosts: env.MAIL_ALLOW_PRIVATE_HOSTS ?? false,
      smtpTimeoutMs: env.MAIL_SMTP_TIMEOUT_MS ?? 10_000,
      outboxDir: join(dataDir, 'mail'),
    },
    ar: {
      maxImageBytes: (env.MAX_IMAGE_MB ?? 10) * 1024 * 1024,
      maxVideoBytes: (env.MAX_VIDEO_MB ?? 200) * 1024 * 1024,
      maxVideoSeconds: env.MAX_VIDEO_SECONDS ?? 600,
      companyQuotaBytes: (env.COMPANY_STORAGE_QUOTA_MB ?? 0) * 1024 * 1024,
      maxConcurrentUploads: env.UPLOAD_MAX_CONCURRENT ?? 4,
      tmpDir: join(dataDir, 'tmp'),
    },
    backup: {
      dir: absolute(env.BACKUP_DIR ?? join(dataDir, 'backups'), cwd),
      keep: env.BACKUP_KEEP ?? 7,
      cron: env.BACKUP_CRON ?? '0 3 * * *',
      remoteConnectionId: env.BACKUP_REMOTE_CONNECTION_ID?.toLowerCase() ?? null,
    },
  };

  const unsafe = findProductionProblems(config, {
    synchronize: env.DATABASE_SYNCHRONIZE ?? false,
    jwtSecretRaw: env.JWT_SECRET,
    dataEncryptionKeyRaw: env.DATA_ENCRYPTION_KEY,
    corsOriginsRaw: env.CORS_ORIGINS,
  });
  if (unsafe.length > 0) throw new UnsafeProductionConfigError(unsafe);
  if (env.DATABASE_SYNCHRONIZE) {
    throw new ConfigValidationError(['DATABASE_SYNCHRONIZE=true is not supported: the schema is changed only by migrations']);
  }
  return config;
}
