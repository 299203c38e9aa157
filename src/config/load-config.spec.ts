import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { ConfigValidationError, loadConfig, readEnvironment, UnsafeProductionConfigError, type RawEnvironment } from './load-config';
import { parseRateLimit } from './rate-limit';

const SECRET = 'k3Vb9sQm2ZpX7rLw4NcT8yHd6FgJ1aUe5oRi0tYv';
const OTHER_SECRET = 'Q8wE2rT6yU0iO4pA9sD3fG7hJ1kL5zX2cV6bN0mQ';

function failure(env: RawEnvironment, cwd: string): Error {
  try {
    loadConfig(env, cwd);
  } catch (error) {
    return error as Error;
  }
  throw new Error('loadConfig accepted the environment');
}

describe('parseRateLimit', () => {
  it.each([
    ['100/minute', { limit: 100, ttlMs: 60_000, text: '100/minute' }],
    ['5/second', { limit: 5, ttlMs: 1_000, text: '5/second' }],
    [' 20/hour ', { limit: 20, ttlMs: 3_600_000, text: '20/hour' }],
    ['1000/day', { limit: 1000, ttlMs: 86_400_000, text: '1000/day' }],
  ])('parses %j', (text, expected) => {
    expect(parseRateLimit(text)).toEqual(expected);
  });

  it.each(['100/week', '0/minute', '-1/minute', '100', 'minute', '100/minutes', '1.5/second', '100 / minute', '12345678/day', ''])(
    'refuses %j',
    (text) => {
      expect(parseRateLimit(text)).toBeNull();
    },
  );
});

describe('readEnvironment', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vertex-ar-dotenv-'));
    writeFileSync(join(dir, '.env'), 'VERTEX_SPEC_FROM_FILE=file\nVERTEX_SPEC_BOTH=file\n');
    vi.stubEnv('VERTEX_SPEC_BOTH', 'environment');
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fills in variables from .env outside production; the real environment wins', () => {
    vi.stubEnv('NODE_ENV', 'development');
    const env = readEnvironment(dir);
    expect(env.VERTEX_SPEC_FROM_FILE).toBe('file');
    expect(env.VERTEX_SPEC_BOTH).toBe('environment');
  });

  it('ignores .env in production', () => {
    vi.stubEnv('NODE_ENV', 'production');
    const env = readEnvironment(dir);
    expect(env.VERTEX_SPEC_FROM_FILE).toBeUndefined();
    expect(env.VERTEX_SPEC_BOTH).toBe('environment');
  });
});

describe('loadConfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vertex-ar-config-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const testEnv = (extra: RawEnvironment = {}): RawEnvironment => ({
    NODE_ENV: 'test',
    JWT_SECRET: SECRET,
    DATA_ENCRYPTION_KEY: OTHER_SECRET,
    ...extra,
  });

  it('builds the defaults from an almost empty environment', () => {
    const config = loadConfig(testEnv(), dir);
    expect(config.app).toMatchObject({
      env: 'test',
      role: 'all',
      port: 3000,
      host: '0.0.0.0',
      baseUrl: 'http://localhost:3000',
      logLevel: 'warn',
    });
    expect(config.app.dataDir).toBe(join(dir, 'data'));
    expect(config.database).toMatchObject({
      url: null,
      migrationsRun: true,
      poolMax: 10,
      embedded: { port: 54329, dataDir: join(dir, 'data', 'postgres') },
    });
    expect(config.security).toMatchObject({
      rateLimitEnabled: true,
      globalRateLimit: { limit: 100, ttlMs: 60_000 },
      authRateLimit: { limit: 5, ttlMs: 60_000 },
      uploadRateLimit: { limit: 10, ttlMs: 60_000 },
      corsOrigins: [],
      trustProxyHops: 0,
      accessTokenTtlSeconds: 1800,
      refreshTokenTtlDays: 14,
      generatedSecrets: [],
    });
    expect(config.storage.root).toBe(join(dir, 'data', 'storage'));
  });

  it('converts numbers, booleans and lists', () => {
    const config = loadConfig(
      testEnv({
        PORT: '8080',
        DATABASE_MIGRATIONS_RUN: 'no',
        RATE_LIMIT_ENABLED: 'off',
        CORS_ORIGINS: ' https://a.example.com, ,https://b.example.com ',
        GLOBAL_RATE_LIMIT: '30/second',
        SESSION_TIMEOUT_MINUTES: '15',
        BASE_URL: 'https://ar.example.com/',
      }),
      dir,
    );
    expect(config.app.port).toBe(8080);
    expect(config.app.baseUrl).toBe('https://ar.example.com');
    expect(config.database.migrationsRun).toBe(false);
    expect(config.security.rateLimitEnabled).toBe(false);
    expect(config.security.corsOrigins).toEqual(['https://a.example.com', 'https://b.example.com']);
    expect(config.security.globalRateLimit).toEqual({ limit: 30, ttlMs: 1_000, text: '30/second' });
    expect(config.security.accessTokenTtlSeconds).toBe(900);
  });

  it.each([['abc'], ['70000'], ['-1'], ['80.5']])('refuses PORT=%s', (port) => {
    const error = failure(testEnv({ PORT: port }), dir);
    expect(error).toBeInstanceOf(ConfigValidationError);
    expect((error as ConfigValidationError).problems.some((problem) => problem.startsWith('PORT'))).toBe(true);
  });

  it('refuses a rate limit with an unknown unit', () => {
    const error = failure(testEnv({ GLOBAL_RATE_LIMIT: '100/week' }), dir) as ConfigValidationError;
    expect(error).toBeInstanceOf(ConfigValidationError);
    expect(error.problems).toEqual(['GLOBAL_RATE_LIMIT must look like 100/minute']);
  });

  it('lists every problem at once, in one message', () => {
    const error = failure(
      testEnv({
        PORT: 'eighty',
        GLOBAL_RATE_LIMIT: '100/week',
        AUTH_RATE_LIMIT: 'lots',
        NODE_ENV: 'staging',
        DATABASE_URL: 'mysql://localhost/x',
        RATE_LIMIT_ENABLED: 'maybe',
        SESSION_TIMEOUT_MINUTES: '600',
      }),
      dir,
    ) as ConfigValidationError;
    expect(error).toBeInstanceOf(ConfigValidationError);
    const variables = error.problems.map((problem) => problem.split(/[\s:]/)[0]);
    expect(new Set(variables)).toEqual(
      new Set([
        'PORT',
        'GLOBAL_RATE_LIMIT',
        'AUTH_RATE_LIMIT',
        'NODE_ENV',
        'DATABASE_URL',
        'RATE_LIMIT_ENABLED',
        'SESSION_TIMEOUT_MINUTES',
      ]),
    );
    expect(error.message).toMatch(/^Invalid configuration: /);
    expect(error.message).not.toContain('\n');
  });

  it('refuses DATABASE_SYNCHRONIZE=true outside production too', () => {
    const error = failure(testEnv({ DATABASE_SYNCHRONIZE: 'true' }), dir);
    expect(error).toBeInstanceOf(ConfigValidationError);
    expect(error.message).toContain('DATABASE_SYNCHRONIZE');
  });

  it('generates missing development secrets once, keeps them (0600) and reports them', () => {
    const first = loadConfig({ NODE_ENV: 'development' }, dir);
    expect(first.security.generatedSecrets).toEqual(['JWT_SECRET', 'DATA_ENCRYPTION_KEY']);
    expect(first.security.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(first.security.dataEncryptionKey).not.toBe(first.security.jwtSecret);
    const file = join(dir, 'data', '.dev-secrets.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      jwtSecret: first.security.jwtSecret,
      dataEncryptionKey: first.security.dataEncryptionKey,
    });
    const second = loadConfig({ NODE_ENV: 'development' }, dir);
    expect(second.security.jwtSecret).toBe(first.security.jwtSecret);
    expect(second.security.dataEncryptionKey).toBe(first.security.dataEncryptionKey);
  });

  describe('production safeguards', () => {
    const production = (extra: RawEnvironment = {}): RawEnvironment => ({
      NODE_ENV: 'production',
      JWT_SECRET: SECRET,
      DATA_ENCRYPTION_KEY: OTHER_SECRET,
      CORS_ORIGINS: 'https://admin.example.com',
      BASE_URL: 'https://ar.example.com',
      DATABASE_URL: 'postgres://app:S7rong-db-pass@db.internal:5432/vertex',
      ...extra,
    });

    it('accepts a safe production environment and never generates secrets there', () => {
      const config = loadConfig(production(), dir);
      expect(config.app.env).toBe('production');
      expect(config.app.swaggerEnabled).toBe(false);
      expect(config.security.generatedSecrets).toEqual([]);
    });

    it('lists every unsafe setting at once without echoing secret values', () => {
      const error = failure(
        production({
          JWT_SECRET: 'changeme',
          DATA_ENCRYPTION_KEY: undefined,
          CORS_ORIGINS: '*',
          BASE_URL: 'http://ar.example.com',
          RATE_LIMIT_ENABLED: 'false',
        }),
        dir,
      ) as UnsafeProductionConfigError;
      expect(error).toBeInstanceOf(UnsafeProductionConfigError);
      expect(error.problems).toHaveLength(5);
      expect(error.message).toMatch(/^Refusing to start in production: /);
      for (const name of ['JWT_SECRET', 'DATA_ENCRYPTION_KEY', 'CORS_ORIGINS', 'BASE_URL', 'RATE_LIMIT_ENABLED'])
        expect(error.message).toContain(name);
      expect(error.message).not.toContain('changeme');
    });

    it('refuses a short or placeholder METRICS_TOKEN and accepts a random one', () => {
      for (const token of ['metrics-token-16ch', '<changeme: openssl rand -base64 48>']) {
        const error = failure(production({ METRICS_TOKEN: token }), dir);
        expect(error).toBeInstanceOf(UnsafeProductionConfigError);
        expect(error.message).toContain('METRICS_TOKEN');
      }
      expect(loadConfig(production({ METRICS_TOKEN: 'q'.repeat(8) + 'Zx81-kd93_LmP0aw7Rt2vY5nB' }), dir).app.metricsToken).toHaveLength(33);
    });

    it.each([
      ['postgres://postgres:postgres@db:5432/x'],
      ['postgres://app@db:5432/x'],
      ['postgres://app:app@db:5432/x'],
      ['postgres://app:password@db:5432/x'],
    ])('refuses default database credentials in %s', (url) => {
      const error = failure(production({ DATABASE_URL: url }), dir);
      expect(error).toBeInstanceOf(UnsafeProductionConfigError);
      expect(error.message).toContain('DATABASE_URL');
    });
  });
});

describe('.env.example', () => {
  const root = join(__dirname, '..', '..');
  const example = readFileSync(join(root, '.env.example'), 'utf8');

  it('documents every variable of the schema', () => {
    const schema = readFileSync(join(__dirname, 'env.schema.ts'), 'utf8');
    const variables = [...schema.matchAll(/\b([A-Z][A-Z0-9_]+)\?:/g)].map((match) => match[1]);
    expect(variables.length).toBeGreaterThan(30);
    const documented = new Set([...example.matchAll(/^(?:# )?([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1]));
    expect(variables.filter((name) => !documented.has(name))).toEqual([]);
    expect([...documented].filter((name) => !variables.includes(name))).toEqual([]);
  });

  it('gives exactly the defaults when copied to .env as it is', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vertex-ar-example-'));
    try {
      const fromExample = loadConfig(parseDotenv(example), dir);
      const defaults = loadConfig({}, dir);
      expect(fromExample).toEqual(defaults);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
