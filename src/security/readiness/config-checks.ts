import type { AppConfig } from '@app/config/app-config';
import { hasDefaultDatabaseCredentials, isWeak, MIN_SECRET_LENGTH } from '@app/config/production-safeguards';
import type { RateLimit } from '@app/config/rate-limit';
import { item, type BackupFact, type MailFact, type ReadinessItem } from './readiness.types';

const perMinute = (limit: RateLimit): number => (limit.limit * 60_000) / limit.ttlMs;

function secretProblem(name: string, value: string, generated: boolean): string | null {
  if (generated) return `${name} is the generated development value (DATA_DIR/.dev-secrets.json), not a configured secret`;
  if (value.length < MIN_SECRET_LENGTH) return `${name} is shorter than ${MIN_SECRET_LENGTH} characters`;
  if (isWeak(value)) return `${name} is a default or well-known value`;
  return null;
}

export function nodeEnvCheck(config: AppConfig): ReadinessItem {
  const ok = config.app.env === 'production';
  return item(
    'node-env',
    'NODE_ENV is production',
    3,
    ok ? 'pass' : 'fail',
    `NODE_ENV=${config.app.env}`,
    'Set NODE_ENV=production: it turns on the start-up safeguards and turns off development conveniences.',
  );
}

export function jwtSecretCheck(config: AppConfig): ReadinessItem {
  const { jwtSecret, generatedSecrets } = config.security;
  const problem = secretProblem('JWT_SECRET', jwtSecret, generatedSecrets.includes('JWT_SECRET'));
  return item(
    'jwt-secret',
    'JWT secret is strong and configured',
    3,
    problem ? 'fail' : 'pass',
    problem ?? `JWT_SECRET is configured (${jwtSecret.length} characters)`,
    'Set JWT_SECRET to at least 32 random characters (`openssl rand -base64 48`), kept out of version control.',
  );
}

export function encryptionKeyCheck(config: AppConfig): ReadinessItem {
  const { dataEncryptionKey, jwtSecret, generatedSecrets, previousDataEncryptionKeys } = config.security;
  let problem = secretProblem('DATA_ENCRYPTION_KEY', dataEncryptionKey, generatedSecrets.includes('DATA_ENCRYPTION_KEY'));
  if (!problem && dataEncryptionKey === jwtSecret) problem = 'DATA_ENCRYPTION_KEY is the same value as JWT_SECRET';
  const rotation = previousDataEncryptionKeys.length > 0 ? `, ${previousDataEncryptionKeys.length} previous key(s) kept for rotation` : '';
  return item(
    'data-encryption-key',
    'Data encryption key is strong, configured and separate',
    3,
    problem ? 'fail' : 'pass',
    problem ?? `DATA_ENCRYPTION_KEY is configured and differs from JWT_SECRET${rotation}`,
    'Set DATA_ENCRYPTION_KEY to at least 32 random characters, different from JWT_SECRET; store a copy safely (without it stored credentials cannot be decrypted).',
  );
}

export function baseUrlCheck(config: AppConfig): ReadinessItem {
  const ok = config.app.baseUrl.startsWith('https://');
  return item(
    'base-url-https',
    'BASE_URL uses HTTPS',
    3,
    ok ? 'pass' : 'fail',
    `BASE_URL=${config.app.baseUrl}`,
    'Serve the API over TLS (the nginx configuration) and set BASE_URL to the public https:// address.',
  );
}

export function corsCheck(config: AppConfig): ReadinessItem {
  const origins = config.security.corsOrigins;
  let problem: string | null = null;
  if (origins.length === 0) problem = 'CORS_ORIGINS is empty: no allowlist is configured';
  else if (origins.some((origin) => origin.includes('*'))) problem = 'CORS_ORIGINS contains a wildcard';
  else if (origins.some((origin) => !origin.startsWith('https://'))) problem = 'CORS_ORIGINS lists an origin that is not https://';
  return item(
    'cors-allowlist',
    'CORS allows only known HTTPS origins',
    3,
    problem ? 'fail' : 'pass',
    problem ?? `${origins.length} allowed origin(s): ${origins.join(', ')}`,
    'List the exact https:// origins of the admin app and viewer in CORS_ORIGINS, comma-separated, no wildcard.',
  );
}

export function rateLimitCheck(config: AppConfig): ReadinessItem {
  const { rateLimitEnabled, globalRateLimit, authRateLimit } = config.security;
  const title = 'Rate limiting is on with sane limits';
  const advice =
    'Keep RATE_LIMIT_ENABLED=true, AUTH_RATE_LIMIT at most 30/minute (default 5/minute), GLOBAL_RATE_LIMIT at most 10000/minute.';
  if (!rateLimitEnabled) return item('rate-limiting', title, 3, 'fail', 'RATE_LIMIT_ENABLED=false', advice);
  const lax = [
    perMinute(authRateLimit) > 30 ? `AUTH_RATE_LIMIT=${authRateLimit.text}` : null,
    perMinute(globalRateLimit) > 10_000 ? `GLOBAL_RATE_LIMIT=${globalRateLimit.text}` : null,
  ].filter((entry): entry is string => entry !== null);
  const limits = `global ${globalRateLimit.text}, auth ${authRateLimit.text}, upload ${config.security.uploadRateLimit.text}`;
  return item(
    'rate-limiting',
    title,
    3,
    lax.length > 0 ? 'warn' : 'pass',
    lax.length > 0 ? `enabled, but lax: ${lax.join(', ')}` : `enabled (${limits})`,
    advice,
  );
}

export function redisCheck(config: AppConfig, instances: number | null): ReadinessItem {
  const title = 'Shared rate-limit counters when several instances run';
  const advice = 'Set REDIS_URL (rediss:// when Redis is remote) so that every instance counts against one budget.';
  const seen = instances === null ? 'instances could not be counted' : `${instances} instance(s) connected to the database`;
  if (config.security.redisUrl) return item('redis-multi-instance', title, 2, 'pass', `counters in Redis; ${seen}`);
  if (instances === null) return item('redis-multi-instance', title, 2, 'warn', `counters in memory; ${seen}`, advice);
  if (instances > 1) {
    return item(
      'redis-multi-instance',
      title,
      2,
      'fail',
      `${instances} instances keep separate in-memory counters: every limit is ${instances}× weaker`,
      advice,
    );
  }
  return item('redis-multi-instance', title, 2, 'pass', 'one instance, counters in memory (set REDIS_URL before adding a second)');
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|::1|\[::1\])$/i;
const PRIVATE = /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|\[?f[cd][0-9a-f]{2}:)/i;

/** Host of DATABASE_URL: '' for a Unix socket, null for the embedded server. */
function databaseHost(config: AppConfig): string | null {
  if (!config.database.url) return null;
  try {
    const url = new URL(config.database.url);
    const socket = url.searchParams.get('host');
    return socket?.startsWith('/') ? '' : decodeURIComponent(url.hostname);
  } catch {
    return '?';
  }
}

export function databaseTlsCheck(config: AppConfig): ReadinessItem {
  const title = 'Database connection uses TLS when it leaves the host';
  const advice = 'Set DATABASE_SSL=true (the server certificate is verified) for a database that is not on this host.';
  const host = databaseHost(config);
  if (host === null) return item('database-tls', title, 3, 'pass', 'embedded PostgreSQL on 127.0.0.1: TLS not required');
  if (host === '' || LOOPBACK.test(host))
    return item('database-tls', title, 3, 'pass', `database on loopback/socket (${host || 'socket'}): TLS not required`);
  if (config.database.ssl) return item('database-tls', title, 3, 'pass', `TLS with certificate verification to ${host}`);
  if (PRIVATE.test(host) || !host.includes('.')) {
    return item(
      'database-tls',
      title,
      3,
      'warn',
      `no TLS to ${host} (a private-network host): safe only if that network is trusted`,
      advice,
    );
  }
  return item('database-tls', title, 3, 'fail', `no TLS to ${host}: credentials and data cross the network in clear text`, advice);
}

export function databaseCredentialsCheck(config: AppConfig): ReadinessItem {
  const title = 'Database credentials are not defaults';
  if (!config.database.url) return item('database-credentials', title, 3, 'pass', 'embedded server with generated credentials');
  const weak = hasDefaultDatabaseCredentials(config.database.url);
  return item(
    'database-credentials',
    title,
    3,
    weak ? 'fail' : 'pass',
    weak ? 'DATABASE_URL has an empty or default password' : 'DATABASE_URL has a non-default password',
    'Give the application its own database role with a long random password (and no superuser rights).',
  );
}

export function trustProxyCheck(config: AppConfig): ReadinessItem {
  const hops = config.security.trustProxyHops;
  const title = 'Client IPs are taken through the right number of proxies';
  if (!config.app.baseUrl.startsWith('https://')) {
    return item('trust-proxy', title, 2, 'pass', `TRUST_PROXY_HOPS=${hops}; BASE_URL is not https, no TLS proxy assumed`);
  }
  if (hops === 0) {
    return item(
      'trust-proxy',
      title,
      2,
      'warn',
      'TRUST_PROXY_HOPS=0 behind an https BASE_URL: every client appears as the proxy, so per-IP limits and audit IPs collapse',
      'Set TRUST_PROXY_HOPS to the number of reverse proxies in front of the app (1 for the bundled nginx).',
    );
  }
  if (hops > 2) {
    return item(
      'trust-proxy',
      title,
      2,
      'warn',
      `TRUST_PROXY_HOPS=${hops}: clients may forge X-Forwarded-For entries that are trusted`,
      'Set TRUST_PROXY_HOPS to exactly the number of proxies you run.',
    );
  }
  return item('trust-proxy', title, 2, 'pass', `TRUST_PROXY_HOPS=${hops}`);
}

export function swaggerCheck(config: AppConfig): ReadinessItem {
  const on = config.app.swaggerEnabled;
  return item(
    'swagger-exposure',
    'API documentation is not public',
    2,
    on ? 'warn' : 'pass',
    on ? 'SWAGGER_ENABLED: /api/docs and /api/docs-json are served to anyone' : 'Swagger UI and the spec are not served',
    'Set SWAGGER_ENABLED=false in production (the committed openapi.json documents the API).',
  );
}

export function metricsCheck(config: AppConfig): ReadinessItem {
  const on = config.app.metricsToken !== null;
  return item(
    'metrics-token',
    'Monitoring endpoint is enabled and protected',
    2,
    on ? 'pass' : 'warn',
    on ? 'GET /metrics requires METRICS_TOKEN' : 'METRICS_TOKEN is not set: /metrics is off, nothing is monitored',
    'Set METRICS_TOKEN (at least 16 random characters), scrape /metrics from the internal network and alert on 5xx, 429 and lockouts.',
  );
}

export function embeddedDatabaseCheck(config: AppConfig): ReadinessItem {
  const embedded = config.database.url === null;
  const production = config.app.env === 'production';
  return item(
    'embedded-database',
    'A managed PostgreSQL server in production',
    1,
    embedded && production ? 'warn' : 'pass',
    embedded ? `embedded PostgreSQL under ${config.database.embedded.dataDir}` : 'external PostgreSQL (DATABASE_URL)',
    'Run a dedicated PostgreSQL server (with its own backups and monitoring) and set DATABASE_URL.',
  );
}

export function loggingCheck(config: AppConfig): ReadinessItem {
  const level = config.app.logLevel;
  const ok = ['info', 'warn', 'error'].includes(level);
  const detail = ok
    ? `structured JSON logs at ${level}`
    : ['debug', 'trace'].includes(level)
      ? `LOG_LEVEL=${level}: verbose logs, large and more revealing`
      : `LOG_LEVEL=${level}: security events are not logged`;
  return item(
    'logging',
    'Structured logging at a production level',
    1,
    ok ? 'pass' : 'warn',
    detail,
    'Use LOG_LEVEL=info, ship stdout to your log store and rotate it.',
  );
}

const BACKUP_MAX_AGE_HOURS = 26;

export function backupsCheck(backups: BackupFact | null | undefined, now: Date): ReadinessItem {
  const id = 'backups';
  const title = `Backups are configured, recent (< ${BACKUP_MAX_AGE_HOURS} h) and verified`;
  if (backups === undefined) return item(id, title, 1, 'warn', 'the backups table could not be read', 'Check the database connection.');
  if (backups === null) {
    return item(
      id,
      title,
      1,
      'warn',
      'no complete backup yet',
      'Run `npm run cli -- backup create full` (or POST /api/v1/backups), then verify it; BACKUP_CRON schedules the next ones.',
    );
  }
  const hours = (now.getTime() - backups.completedAt.getTime()) / 3_600_000;
  const age = `newest complete backup ${hours.toFixed(1)} h old`;
  if (hours > BACKUP_MAX_AGE_HOURS) {
    return item(id, title, 1, 'fail', age, 'Check the backup schedule (BACKUP_CRON, the worker role, or the systemd timer) and the logs.');
  }
  if (backups.verified !== true) {
    return item(
      id,
      title,
      1,
      'warn',
      `${age}, ${backups.verified === false ? 'its verification failed' : 'not verified yet'}`,
      'Verify it: POST /api/v1/backups/{id}/verify or `npm run cli -- backup verify <id>`.',
    );
  }
  return item(id, title, 1, 'pass', `${age} and verified`, null);
}

export function smtpCheck(config: AppConfig, mail: MailFact | null | undefined): ReadinessItem {
  const id = 'smtp-encrypted';
  const title = 'SMTP is configured and its credentials are stored encrypted';
  if (config.mail.envCredentialsPresent) {
    return item(
      id,
      title,
      1,
      'fail',
      'SMTP_USERNAME/SMTP_PASSWORD are set in the environment',
      'Remove SMTP_USERNAME and SMTP_PASSWORD from the environment; SMTP is configured through the admin API, stored encrypted.',
    );
  }
  if (mail === undefined) return item(id, title, 1, 'warn', 'the SMTP settings could not be read', 'Check the database connection.');
  if (mail === null) {
    return item(
      id,
      title,
      1,
      'warn',
      'SMTP is not configured: notifications (lockouts, order ready, backup failures) are not delivered',
      'Configure SMTP with PUT /api/v1/mail/settings and send a test with POST /api/v1/mail/test.',
    );
  }
  if (mail.hasPassword && !mail.passwordEncrypted) {
    return item(
      id,
      title,
      1,
      'fail',
      'the stored SMTP password is not in the encrypted format',
      'Save the SMTP password again through the admin API.',
    );
  }
  if (!mail.enabled) return item(id, title, 1, 'warn', 'SMTP settings are saved but disabled', 'Enable SMTP in the mail settings.');
  if (config.mail.allowPrivateHosts && config.app.env === 'production') {
    return item(
      id,
      title,
      1,
      'warn',
      'MAIL_ALLOW_PRIVATE_HOSTS=true: the SSRF guard for the SMTP host is off',
      'Set MAIL_ALLOW_PRIVATE_HOSTS=false unless the relay really is on a private network.',
    );
  }
  return item(id, title, 1, 'pass', 'SMTP configured and enabled; password stored as AES-256-GCM ciphertext', null);
}
