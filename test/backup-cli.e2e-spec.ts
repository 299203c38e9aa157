import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { buildOnce } from './support/build-once';
import { cloneTemplate, databaseUrl, dropDatabase, withClient } from './support/database';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

const KEY = randomBytes(32).toString('base64url');
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

describe('cli backup (node dist/src/cli.js backup …)', () => {
  const adminUrl = inject('dbAdminUrl');
  let database: string;
  let url: string;
  let dataDir: string;

  function cli(args: string[], key = KEY): Promise<Result> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [join(process.cwd(), 'dist/src/cli.js'), ...args], {
        cwd: dataDir,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          NODE_ENV: 'test',
          DATABASE_URL: url,
          DATA_DIR: dataDir,
          JWT_SECRET: randomBytes(32).toString('base64url'),
          DATA_ENCRYPTION_KEY: key,
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

  const lines = (text: string): string[] =>
    text.split('\n').filter((line) => line.trim().length > 0 && !line.includes('DeprecationWarning'));
  const clientCount = async (): Promise<number> =>
    (await withClient(url, (client) => client.query<{ n: number }>(`SELECT count(*)::int AS n FROM clients`))).rows[0].n;

  beforeAll(async () => {
    await buildOnce();
    database = await cloneTemplate(adminUrl, inject('dbTemplate'), inject('dbPrefix'));
    url = databaseUrl(adminUrl, database);
    dataDir = mkdtempSync(join(tmpdir(), 'vertex-ar-backup-cli-'));
    await withClient(url, (client) =>
      client.query(
        `INSERT INTO clients (company_id, name, phone) SELECT id, 'Backup Client', '+79990001122' FROM companies WHERE is_default`,
      ),
    );
  }, 200_000);
  afterAll(async () => {
    if (database) await dropDatabase(adminUrl, database).catch(() => undefined);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates, lists, verifies and restores a database backup; refuses without --yes, a bad id and a wrong key', async () => {
    expect(lines((await cli(['backup', 'list'])).stdout)).toEqual(['no backups']);

    const created = await cli(['backup', 'create', 'database']);
    expect(created.code, created.stderr).toBe(0);
    const id = UUID.exec(created.stdout)?.[0];
    expect(created.stdout).toMatch(/^backup [0-9a-f-]{36} complete: database,/m);
    expect(id).toBeDefined();

    const listed = await cli(['backup', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(id);

    const verified = await cli(['backup', 'verify', id!]);
    expect(verified.code, verified.stderr).toBe(0);
    expect(lines(verified.stdout).at(-1)).toBe(`backup ${id} verified`);

    const unconfirmed = await cli(['backup', 'restore', id!]);
    expect(unconfirmed.code).toBe(1);
    expect(lines(unconfirmed.stderr)).toEqual(['error: restore replaces every table of the configured database: add --yes to confirm']);

    await withClient(url, (client) => client.query(`DELETE FROM clients`));
    expect(await clientCount()).toBe(0);
    const restored = await cli(['backup', 'restore', id!, '--yes']);
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toContain(`restored backup ${id}`);
    expect(await clientCount()).toBe(1);

    const badId = await cli(['backup', 'verify', 'not-a-uuid']);
    expect(badId.code).toBe(1);
    expect(lines(badId.stderr)).toHaveLength(1);

    const wrongKey = await cli(['backup', 'verify', id!], randomBytes(32).toString('base64url'));
    expect(wrongKey.code).not.toBe(0);
    expect(lines(wrongKey.stderr)).toHaveLength(1);

    const badKind = await cli(['backup', 'create', 'everything']);
    expect(badKind.code).toBe(1);
    expect(lines(badKind.stderr)).toEqual(['error: unknown kind "everything": use full, database, storage']);
  }, 120_000);
});
