import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { inject } from 'vitest';
import { buildOnce } from './support/build-once';
import { cloneTemplate, databaseUrl, dropDatabase, withClient } from './support/database';
import { loginAs, makeUser, type SignedIn } from './support/factories';
import { createTestApp, knownSecrets, type TestApp } from './support/test-app';

interface Item {
  id: string;
  title: string;
  status: 'pass' | 'warn' | 'fail';
  weight: number;
  detail: string;
  advice: string | null;
}
interface Report {
  score: number;
  grade: string;
  passed: number;
  warned: number;
  failed: number;
  items: Item[];
  generatedAt: string;
}

const ROUTE = '/api/v1/security/readiness';
const EMPTY_ON_A_FRESH_DATABASE = ['backups', 'smtp-encrypted'];
const byId = (report: Report, id: string): Item => {
  const found = report.items.find((entry) => entry.id === id);
  if (!found) throw new Error(`no item ${id}`);
  return found;
};
const ids = (report: Report, status: Item['status']): string[] =>
  report.items.filter((entry) => entry.status === status).map((entry) => entry.id);

function expectWellFormed(report: Report): void {
  expect(report.items.length).toBeGreaterThanOrEqual(19);
  expect(new Set(report.items.map((entry) => entry.id)).size).toBe(report.items.length);
  for (const entry of report.items) {
    expect(entry, entry.id).toMatchObject({ title: expect.any(String), detail: expect.any(String) });
    expect([1, 2, 3], entry.id).toContain(entry.weight);
    expect(entry.advice === null, entry.id).toBe(entry.status === 'pass');
  }
  expect(report.passed + report.warned + report.failed).toBe(report.items.length);
  for (const id of EMPTY_ON_A_FRESH_DATABASE) expect(byId(report, id).status, id).toBe('warn');
  // A fresh database has no backup and no SMTP settings yet: both are honest warnings, not passes.
  expect(byId(report, 'backups').detail).toBe('no complete backup yet');
  expect(byId(report, 'smtp-encrypted').detail).toMatch(/^SMTP is not configured/);
}

describe('security readiness: development configuration', () => {
  let t: TestApp;
  let admin: SignedIn;
  let report: Report;
  let otherInstance: Client;

  beforeAll(async () => {
    t = await createTestApp({ env: { JWT_SECRET: '', DATA_ENCRYPTION_KEY: '' } });
    admin = await loginAs(t, 'admin');
    const stale = await makeUser(t, { role: 'admin', email: `stale-${randomBytes(3).toString('hex')}@example.com` });
    await t.db.query(`UPDATE users SET password_changed_at = $2 WHERE id = $1`, [
      stale.id,
      new Date(t.clock.now().getTime() - 100 * 86_400_000),
    ]);
    writeFileSync(t.config.app.envFile, 'LOG_LEVEL=info\n');
    chmodSync(t.config.app.envFile, 0o644);
    // A second instance on the same database, as `vertex-ar-<role>-<host>-<pid>` would appear from another host.
    otherInstance = new Client({ connectionString: t.databaseUrl, application_name: 'vertex-ar-api-otherhost-4242' });
    await otherInstance.connect();
    const response = await t.http.get(ROUTE).set(admin.auth);
    expect(response.status).toBe(200);
    report = response.body as Report;
  });
  afterAll(async () => {
    await otherInstance?.end().catch(() => undefined);
    await t?.close();
  });

  it('returns a well-formed report', () => {
    expectWellFormed(report);
    expect(new Date(report.generatedAt).getTime()).toBe(t.clock.now().getTime());
  });

  it('scores low, failing on the environment, URL, CORS, generated secrets, .env mode and the second instance', () => {
    expect(report.score).toBeLessThan(60);
    expect(report.grade).toBe('F');
    expect(ids(report, 'fail')).toEqual(
      expect.arrayContaining([
        'node-env',
        'jwt-secret',
        'data-encryption-key',
        'base-url-https',
        'cors-allowlist',
        'env-file-permissions',
        'redis-multi-instance',
        'database-credentials',
      ]),
    );
    expect(byId(report, 'jwt-secret').detail).toMatch(/generated development value/);
    expect(byId(report, 'data-encryption-key').detail).toMatch(/generated development value/);
    expect(byId(report, 'node-env').detail).toBe('NODE_ENV=test');
    expect(byId(report, 'env-file-permissions').detail).toContain('0644');
    expect(byId(report, 'redis-multi-instance').detail).toMatch(/^2 instances/);
    expect(byId(report, 'base-url-https').advice).toMatch(/https/);
  });

  it('warns on Swagger, metrics off, lax limits and the stale admin account; passes what is fine', () => {
    expect(ids(report, 'warn')).toEqual(expect.arrayContaining(['swagger-exposure', 'metrics-token', 'rate-limiting', 'admin-accounts']));
    const admins = byId(report, 'admin-accounts').detail;
    expect(admins).toMatch(/^2 active admin\(s\)/);
    expect(admins).toMatch(/password older than 90 days: stale-/);
    expect(admins).toMatch(/never signed in: stale-/);
    expect(admins).not.toContain(admin.email);
    for (const id of ['database-tls', 'trust-proxy', 'data-dir-permissions', 'embedded-database', 'logging']) {
      expect(byId(report, id).status, `${id}: ${byId(report, id).detail}`).toBe('pass');
    }
  });

  it('never shows a secret and is audited', async () => {
    const text = JSON.stringify(report);
    for (const secret of [t.config.security.jwtSecret, t.config.security.dataEncryptionKey]) expect(text).not.toContain(secret);
    const rows = (await t.db.query(
      `SELECT actor_user_id, details FROM audit_events WHERE action = 'security.readiness_checked' ORDER BY occurred_at DESC`,
    )) as Array<{ actor_user_id: string; details: Record<string, unknown> }>;
    expect(rows).toHaveLength(1);
    expect(rows[0].actor_user_id).toBe(admin.id);
    expect(rows[0].details).toMatchObject({ source: 'api', score: report.score, failed: expect.arrayContaining(['node-env']) });
  });

  it('is for admins only', async () => {
    expect((await t.http.get(ROUTE)).status).toBe(401);
    for (const role of ['manager', 'viewer'] as const) {
      const user = await loginAs(t, role);
      const response = await t.http.get(ROUTE).set(user.auth);
      expect(response.status, role).toBe(403);
      expect(response.body.error).toBe('FORBIDDEN');
    }
  });
});

describe('security readiness: hardened configuration', () => {
  const redisUrl = inject('redisUrl');
  const metricsToken = randomBytes(24).toString('base64url');
  let t: TestApp;
  let report: Report;

  beforeAll(async () => {
    knownSecrets.add(metricsToken);
    t = await createTestApp({
      env: {
        NODE_ENV: 'production',
        JWT_SECRET: randomBytes(48).toString('base64url'),
        DATA_ENCRYPTION_KEY: randomBytes(48).toString('base64url'),
        BASE_URL: 'https://ar.example.com',
        CORS_ORIGINS: 'https://admin.example.com,https://ar.example.com',
        TRUST_PROXY_HOPS: '1',
        SWAGGER_ENABLED: 'false',
        METRICS_TOKEN: metricsToken,
        GLOBAL_RATE_LIMIT: '100/minute',
        AUTH_RATE_LIMIT: '5/minute',
        UPLOAD_RATE_LIMIT: '10/minute',
        LOG_LEVEL: 'info',
        ...(redisUrl ? { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: `readiness-${randomBytes(3).toString('hex')}:` } : {}),
      },
      // The local test server trusts 127.0.0.1, so a password in the URL is ignored there; the safeguards want one.
      mapDatabaseUrl: (url) => {
        const parsed = new URL(url);
        if (!parsed.password) parsed.password = randomBytes(18).toString('base64url');
        return parsed.toString();
      },
    });
    const admin = await loginAs(t, 'admin');
    const response = await t.http.get(ROUTE).set(admin.auth);
    expect(response.status).toBe(200);
    report = response.body as Report;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('scores at least 95% with only the features not built yet as warnings', () => {
    expectWellFormed(report);
    expect(t.config.app.env).toBe('production');
    expect(ids(report, 'fail')).toEqual([]);
    expect(ids(report, 'warn')).toEqual(EMPTY_ON_A_FRESH_DATABASE);
    expect(report.score).toBeGreaterThanOrEqual(95);
    expect(report.grade).toBe('A');
    expect(byId(report, 'database-tls').detail).toMatch(/loopback/);
    expect(byId(report, 'redis-multi-instance').detail).toMatch(redisUrl ? /counters in Redis/ : /^one instance/);
  });
});

describe('cli security:check', () => {
  const adminUrl = inject('dbAdminUrl');
  let database: string;
  let dataDir: string;

  function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [join(process.cwd(), 'dist/src/cli.js'), ...args], {
        cwd: dataDir,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          NODE_ENV: 'test',
          DATABASE_URL: databaseUrl(adminUrl, database),
          DATA_DIR: dataDir,
          JWT_SECRET: randomBytes(32).toString('base64url'),
          DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  beforeAll(async () => {
    await buildOnce();
    database = await cloneTemplate(adminUrl, inject('dbTemplate'), inject('dbPrefix'));
    dataDir = mkdtempSync(join(tmpdir(), 'vertex-ar-readiness-cli-'));
  }, 200_000);
  afterAll(async () => {
    if (database) await dropDatabase(adminUrl, database).catch(() => undefined);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints the table and exits 2 below --min', async () => {
    const result = await cli(['security:check', '--min', '101']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/^STATUS\s+W\s+CHECK\s+DETAIL$/m);
    expect(result.stdout).toMatch(/^fail\s+3\s+node-env\s+NODE_ENV=test$/m);
    expect(result.stdout).toMatch(/^ {2}\[warn\] backups: /m);
    expect(result.stdout).toMatch(/^readiness: \d+% \(grade [A-F]\), minimum 101%: BELOW MINIMUM$/m);
  });

  it('exits 0 at or above --min and prints JSON with --json; audits the run', async () => {
    const result = await cli(['security:check', '--min', '0', '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as Report & { min: number; belowMinimum: boolean };
    expect(report).toMatchObject({ min: 0, belowMinimum: false });
    expectWellFormed(report);
    expect(byId(report, 'redis-multi-instance').detail).toMatch(/^one instance/);
    const audit = await withClient(databaseUrl(adminUrl, database), (client) =>
      client.query<{ details: { source: string } }>(`SELECT details FROM audit_events WHERE action = 'security.readiness_checked'`),
    );
    expect(audit.rows.map((row) => row.details.source)).toEqual(expect.arrayContaining(['cli']));
  });

  it('uses 80 as the default minimum and refuses a bad --min with exit 1', async () => {
    const byDefault = await cli(['security:check']);
    expect(byDefault.code).toBe(2);
    expect(byDefault.stdout).toMatch(/minimum 80%: BELOW MINIMUM/);
    const bad = await cli(['security:check', '--min', 'abc']);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toMatch(/^error: .*--min must be an integer from 0 to 101/);
  });
});
