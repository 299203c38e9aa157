import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { RATE_LIMIT_PATTERN } from './rate-limit';

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value;

const toBool = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  return value;
};

const emptyToUndefined = ({ value }: { value: unknown }): unknown => (typeof value === 'string' && value.trim() === '' ? undefined : value);

export const NODE_ENVS = ['development', 'production', 'test'] as const;
export const ROLES = ['all', 'api', 'worker'] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Every environment variable the application reads. Defaults live in `load-config.ts`;
 * `.env.example` documents each one.
 */
export class EnvironmentVariables {
  @IsOptional() @IsIn(NODE_ENVS) NODE_ENV?: (typeof NODE_ENVS)[number];
  @IsOptional() @IsIn(ROLES) ROLE?: (typeof ROLES)[number];
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(65535) PORT?: number;
  @IsOptional() @IsString() @MaxLength(255) HOST?: string;
  @IsOptional()
  @IsString()
  @Matches(/^https?:\/\/[^\s/?#]+(:\d+)?(\/[^\s?#]*)?$/, {
    message: 'BASE_URL must be an absolute http(s) URL without query or fragment',
  })
  BASE_URL?: string;
  @IsOptional() @IsIn(LOG_LEVELS) LOG_LEVEL?: (typeof LOG_LEVELS)[number];
  @IsOptional() @IsString() @MaxLength(4096) DATA_DIR?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  @Matches(/^postgres(ql)?:\/\//, {
    message: 'DATABASE_URL must start with postgres:// or postgresql://',
  })
  DATABASE_URL?: string;
  @IsOptional() @Transform(toBool) @IsBoolean() DATABASE_SSL?: boolean;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(200) DATABASE_POOL_MAX?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(100) @Max(600_000) DATABASE_STATEMENT_TIMEOUT_MS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(100) @Max(120_000) DATABASE_CONNECT_TIMEOUT_MS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(100) DATABASE_CONNECT_RETRIES?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(10) @Max(60_000) DATABASE_CONNECT_RETRY_DELAY_MS?: number;
  @IsOptional() @Transform(toBool) @IsBoolean() DATABASE_MIGRATIONS_RUN?: boolean;
  @IsOptional() @Transform(toBool) @IsBoolean() DATABASE_SYNCHRONIZE?: boolean;
  @IsOptional() @IsString() @MaxLength(4096) EMBEDDED_PG_DIR?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1024) @Max(65535) EMBEDDED_PG_PORT?: number;

  @IsOptional() @Transform(emptyToUndefined) @IsString() @MinLength(1) @MaxLength(1024) JWT_SECRET?: string;
  @IsOptional() @IsString() @MaxLength(255) JWT_ISSUER?: string;
  @IsOptional() @IsString() @MaxLength(255) JWT_AUDIENCE?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(60) SESSION_TIMEOUT_MINUTES?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(90) REFRESH_TOKEN_TTL_DAYS?: number;
  @IsOptional() @Transform(emptyToUndefined) @IsString() @MaxLength(1024) DATA_ENCRYPTION_KEY?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsString() @MaxLength(8192) DATA_ENCRYPTION_PREVIOUS_KEYS?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100) AUTH_MAX_ATTEMPTS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(1440) AUTH_LOCKOUT_MINUTES?: number;
  @IsOptional() @IsString() @MaxLength(255) FIRST_ADMIN_EMAIL?: string;

  @IsOptional() @IsString() @MaxLength(4096) CORS_ORIGINS?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(10) TRUST_PROXY_HOPS?: number;
  @IsOptional() @Transform(toBool) @IsBoolean() RATE_LIMIT_ENABLED?: boolean;
  @IsOptional()
  @IsString()
  @Matches(RATE_LIMIT_PATTERN, { message: 'GLOBAL_RATE_LIMIT must look like 100/minute' })
  GLOBAL_RATE_LIMIT?: string;
  @IsOptional()
  @IsString()
  @Matches(RATE_LIMIT_PATTERN, { message: 'AUTH_RATE_LIMIT must look like 5/minute' })
  AUTH_RATE_LIMIT?: string;
  @IsOptional()
  @IsString()
  @Matches(RATE_LIMIT_PATTERN, { message: 'UPLOAD_RATE_LIMIT must look like 10/minute' })
  UPLOAD_RATE_LIMIT?: string;
  @IsOptional()
  @IsString()
  @Matches(RATE_LIMIT_PATTERN, { message: 'VIEWER_RATE_LIMIT must look like 600/minute' })
  VIEWER_RATE_LIMIT?: string;
  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  @Matches(/^rediss?:\/\//, {
    message: 'REDIS_URL must start with redis:// or rediss://',
  })
  REDIS_URL?: string;
  @IsOptional() @IsString() @Matches(/^[A-Za-z0-9:_-]{0,64}$/) REDIS_KEY_PREFIX?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(64) JSON_MAX_DEPTH?: number;
  @IsOptional() @Transform(toBool) @IsBoolean() SWAGGER_ENABLED?: boolean;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(120_000) SHUTDOWN_GRACE_MS?: number;
  @IsOptional() @Transform(emptyToUndefined) @IsString() @MinLength(16) @MaxLength(1024) METRICS_TOKEN?: string;

  @IsOptional() @IsString() @MaxLength(1024) SMTP_USERNAME?: string;
  @IsOptional() @IsString() @MaxLength(1024) SMTP_PASSWORD?: string;
  @IsOptional() @Transform(toBool) @IsBoolean() MAIL_ALLOW_PRIVATE_HOSTS?: boolean;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1_000) @Max(10_000) MAIL_SMTP_TIMEOUT_MS?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100) MAX_IMAGE_MB?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(2048) MAX_VIDEO_MB?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(3600) MAX_VIDEO_SECONDS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(100_000_000) COMPANY_STORAGE_QUOTA_MB?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(1024) UPLOAD_MAX_CONCURRENT?: number;

  @IsOptional() @IsString() @MaxLength(4096) STORAGE_ROOT?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1_000) @Max(60_000) STORAGE_TIMEOUT_MS?: number;
  @IsOptional()
  @IsString()
  @Matches(/^https?:\/\/[^\s/?#]+(:\d+)?\/?$/, { message: 'YANDEX_DISK_API_URL must be an http(s) origin without a path' })
  YANDEX_DISK_API_URL?: string;

  @IsOptional() @IsString() @MaxLength(4096) BACKUP_DIR?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(365) BACKUP_KEEP?: number;
  @IsOptional()
  @IsString()
  @Matches(/^[0-9*,/-]+( [0-9*,/-]+){4}$/, {
    message: 'BACKUP_CRON must be a five-field cron expression (minute hour day month weekday, UTC)',
  })
  BACKUP_CRON?: string;
  @IsOptional() @Transform(emptyToUndefined) @IsUUID() BACKUP_REMOTE_CONNECTION_ID?: string;
}
