import { MIGRATIONS } from '../migrations';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { buildOnce } from './support/build-once';
import { cloneTemplate, databaseUrl, dropDatabase, withClient } from './support/database';

const ROOT = process.cwd();

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('cli (node dist/src/cli.js)', () => {
  const adminUrl = inject('dbAdminUrl');
  let database: string;
  let url: string;
  let dataDir: string;

  function cli(args: string[], stdin = ''): Promise<Result> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [join(ROOT, 'dist/src/cli.js'), ...args], {
        cwd: dataDir,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          NODE_ENV: 'test',
          DATABASE_URL: url,
          DATA_DIR: dataDir,
          JWT_SECRET: randomBytes(32).toString('base64url'),
          DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
        },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
      child.stdin.end(stdin);
    });
  }

  const lines = (text: string): string[] => text.split('\n').filter((line) => line.trim().length > 0);

  beforeAll(async () => {
    await buildOnce();
    database = await cloneTemplate(adminUrl, inject('dbTemplate'), inject('dbPrefix'));
    url = databaseUrl(adminUrl, database);
    dataDir = mkdtempSync(join(tmpdir(), 'vertex-ar-cli-'));
  }, 200_000);

  afterAll(async () => {
    if (database) await dropDatabase(adminUrl, database).catch(() => undefined);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates an admin with the password read from stdin, hashed with argon2id', async () => {
    const password = 'Correct-horse-battery-9';
    const result = await cli(['user:create-admin', '--email', 'X@Example.com', '--name', 'Ada Admin'], `${password}\n`);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe('created admin x@example.com');

    const rows = await withClient(url, (client) =>
      client.query<{ role: string; full_name: string; company_id: string | null; password_hash: string }>(
        'SELECT role, full_name, company_id, password_hash FROM users WHERE email = $1',
        ['x@example.com'],
      ),
    );
    expect(rows.rows).toHaveLength(1);
    const [row] = rows.rows;
    expect(row).toMatchObject({ role: 'admin', full_name: 'Ada Admin', company_id: null });
    expect(row.password_hash).not.toContain(password);
    // PHC string: $argon2id$v=19$<params>$<salt>$<hash>; node-argon2 writes the parameters as m=…,p=…,t=…
    const [, algorithm, version, params] = row.password_hash.split('$');
    expect(algorithm).toBe('argon2id');
    expect(version).toBe('v=19');
    expect(Object.fromEntries(params.split(',').map((pair) => pair.split('=')))).toEqual({ m: '19456', t: '2', p: '1' });
  });

  it('refuses a weak password with a one-line reason and exit code 1', async () => {
    const result = await cli(['user:create-admin', '--email', 'weak@example.com'], 'short1\n');
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(lines(result.stderr)).toEqual(['error: password must be at least 12 characters']);
    const count = await withClient(url, (client) => client.query('SELECT 1 FROM users WHERE email = $1', ['weak@example.com']));
    expect(count.rowCount).toBe(0);
  });

  it('refuses a duplicate e-mail with exit code 1', async () => {
    const result = await cli(['user:create-admin', '--email', 'x@example.com', '--password', 'Another-strong-pass-42']);
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual(['error: a user with e-mail x@example.com already exists']);
  });

  it('exits 1 when no password arrives on stdin', async () => {
    const result = await cli(['user:create-admin', '--email', 'nopass@example.com'], '');
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(/^error: no password given/);
  });

  it('reports migrations: nothing pending on the migrated database', async () => {
    const migrate = await cli(['migrate']);
    expect(migrate.code).toBe(0);
    expect(migrate.stdout.trim()).toBe('up to date');
    const status = await cli(['migrate', '--status']);
    expect(status.code).toBe(0);
    const newest = new MIGRATIONS[MIGRATIONS.length - 1]().name;
    expect(lines(status.stdout)).toEqual([`current migration: ${newest}`, 'up to date']);
  });
});
