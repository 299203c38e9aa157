import type { AppConfig } from './app-config';

/** Values that appear in documentation or tutorials and must never be a production secret. */
const KNOWN_WEAK_SECRETS = new Set([
  'secret',
  'changeme',
  'change-me',
  'change_me',
  'changeit',
  'password',
  'jwt-secret',
  'jwt_secret',
  'your-secret-key',
  'your_jwt_secret',
  'default-secret-key-change-in-production',
  'replace-me-with-a-long-random-value',
  'supersecret',
  'development',
]);

export const MIN_SECRET_LENGTH = 32;

export interface RawSafeguardInputs {
  synchronize: boolean;
  jwtSecretRaw: string | undefined;
  dataEncryptionKeyRaw: string | undefined;
  corsOriginsRaw: string | undefined;
}

/** A documented default, a repeated character, or a change-me placeholder. */
export function isWeak(secret: string): boolean {
  const lowered = secret.trim().toLowerCase();
  if (KNOWN_WEAK_SECRETS.has(lowered)) return true;
  if (/^(.)\1+$/.test(secret)) return true;
  return lowered.includes('changeme') || lowered.includes('change-me') || lowered.startsWith('replace-me');
}

export function hasDefaultDatabaseCredentials(url: string): boolean {
  try {
    const parsed = new URL(url);
    const user = decodeURIComponent(parsed.username);
    const password = decodeURIComponent(parsed.password);
    return password === '' || password === user || ['postgres', 'password', 'changeme'].includes(password);
  } catch {
    return false;
  }
}

/**
 * The settings `NODE_ENV=production` refuses to start with (PRODUCT.md §2, ARCHITECTURE.md §7). Each entry
 * names the variable and what is wrong, never the secret value itself.
 */
export function findProductionProblems(config: AppConfig, raw: RawSafeguardInputs): string[] {
  if (config.app.env !== 'production') return [];
  const problems: string[] = [];
  const jwt = raw.jwtSecretRaw;
  if (!jwt) problems.push('JWT_SECRET is not set');
  else if (jwt.length < MIN_SECRET_LENGTH) problems.push(`JWT_SECRET is shorter than ${MIN_SECRET_LENGTH} characters`);
  else if (isWeak(jwt)) problems.push('JWT_SECRET is a default or well-known value');

  const key = raw.dataEncryptionKeyRaw;
  if (!key) problems.push('DATA_ENCRYPTION_KEY is not set');
  else if (key.length < MIN_SECRET_LENGTH) problems.push(`DATA_ENCRYPTION_KEY is shorter than ${MIN_SECRET_LENGTH} characters`);
  else if (isWeak(key)) problems.push('DATA_ENCRYPTION_KEY is a default or well-known value');
  else if (jwt && key === jwt) problems.push('DATA_ENCRYPTION_KEY must differ from JWT_SECRET');

  const metricsToken = config.app.metricsToken;
  if (metricsToken && (metricsToken.length < MIN_SECRET_LENGTH || isWeak(metricsToken))) {
    problems.push(`METRICS_TOKEN must be a random value of at least ${MIN_SECRET_LENGTH} characters`);
  }

  const origins = config.security.corsOrigins;
  if (!raw.corsOriginsRaw || origins.length === 0) problems.push('CORS_ORIGINS is empty (list the allowed origins)');
  else if (origins.some((origin) => origin.includes('*'))) problems.push('CORS_ORIGINS contains a wildcard');
  else if (origins.some((origin) => !origin.startsWith('https://'))) problems.push('CORS_ORIGINS must list https:// origins only');

  if (config.mail.envCredentialsPresent) {
    problems.push('SMTP_USERNAME/SMTP_PASSWORD are set in the environment (configure SMTP in the admin API, stored encrypted)');
  }
  if (!config.app.baseUrl.startsWith('https://')) problems.push('BASE_URL is not an https:// URL');
  if (!config.storage.yandexDiskApiUrl.startsWith('https://')) problems.push('YANDEX_DISK_API_URL is not an https:// URL');
  if (!config.security.rateLimitEnabled) problems.push('RATE_LIMIT_ENABLED=false (rate limiting cannot be disabled in production)');
  if (raw.synchronize) problems.push('DATABASE_SYNCHRONIZE=true (schema changes go through migrations only)');
  if (config.database.url && hasDefaultDatabaseCredentials(config.database.url)) {
    problems.push('DATABASE_URL uses a default or empty database password');
  }
  return problems;
}
