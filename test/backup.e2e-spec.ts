import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { readArchive } from '../src/backup/archive-io';
import { backupKeys } from '../src/backup/backup-crypto';
import { BackupService } from '../src/backup/backup.service';
import { StorageService } from '../src/storage/storage.service';
import { companyKey, companyPrefix } from '../src/storage/storage-keys';
import { loginAs, type SignedIn } from './support/factories';
import { startS3Server, type TestS3Server } from './support/s3-server';
import { createTestApp, knownSecrets, TEST_ENCRYPTION_KEY, type TestApp } from './support/test-app';

const BASE = '/api/v1/backups';
const SMTP_PASSWORD = `smtp-Backup-${randomBytes(9).toString('base64url')}`;
const S3_SECRET = `s3-backup-secret-${randomBytes(12).toString('base64url')}`;
knownSecrets.add(SMTP_PASSWORD);
knownSecrets.add(S3_SECRET);

const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

interface Company {
  id: string;
  storageType: 'local' | 's3';
  storageConnectionId: string | null;
  storageFolder: string | null;
}

describe('backups', () => {
  let t: TestApp;
  let s3: TestS3Server;
  let admin: SignedIn;
  let manager: SignedIn;
  let service: BackupService;
  const companies: Company[] = [];
  const objects = new Map<string, { company: Company; sha256: string }>();
  let firstBackupId: string;

  async function runBackup(kind: 'full' | 'database' | 'storage'): Promise<Record<string, unknown>> {
    const created = await t.http.post(BASE).set(admin.auth).send({ kind });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    expect(created.body).toMatchObject({ kind, status: 'queued' });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const row = await t.http.get(`${BASE}/${created.body.id as string}`).set(admin.auth);
      if (['complete', 'failed'].includes(row.body.status as string)) return row.body as Record<string, unknown>;
      if (Date.now() > deadline) throw new Error(`backup did not finish: ${JSON.stringify(row.body)}`);
      expect(row.status, JSON.stringify(row.body)).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function tableFingerprints(): Promise<Record<string, string>> {
    const tables = (await t.db.query(
      `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename NOT IN ('schema_migrations', 'backups', 'audit_events') ORDER BY 1`,
    )) as Array<{ tablename: string }>;
    const result: Record<string, string> = {};
    for (const { tablename } of tables) {
      const [row] = (await t.db.query(
        `SELECT count(*)::int AS n, md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS h FROM "${tablename}" x`,
      )) as Array<{ n: number; h: string }>;
      result[tablename] = `${row.n}:${row.h}`;
    }
    return result;
  }

  async function objectHashes(): Promise<Record<string, string>> {
    const storage = t.app.get(StorageService);
    const result: Record<string, string> = {};
    for (const company of companies) {
      const adapter = await storage.forCompany(company);
      for await (const item of adapter.list(companyPrefix(company.id))) {
        const got = await adapter.get(item.key);
        const chunks: Buffer[] = [];
        for await (const chunk of got.stream) chunks.push(chunk as Buffer);
        result[item.key] = sha(Buffer.concat(chunks));
      }
    }
    return result;
  }

  beforeAll(async () => {
    s3 = await startS3Server('backup');
    t = await createTestApp({ env: { BACKUP_KEEP: '2', MAIL_ALLOW_PRIVATE_HOSTS: 'true' } });
    admin = await loginAs(t, 'admin');
    manager = await loginAs(t, 'manager');
    service = t.app.get(BackupService);

    const connection = await t.http.post('/api/v1/storage-connections').set(admin.auth).send({
      name: 'Backup bucket',
      type: 's3',
      endpoint: s3.endpoint,
      region: s3.region,
      bucket: s3.bucket,
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
      forcePathStyle: true,
      basePath: 'vertex',
    });
    expect(connection.status, JSON.stringify(connection.body)).toBe(201);
    const tested = await t.http.post(`/api/v1/storage-connections/${connection.body.id as string}/test`).set(admin.auth);
    expect(tested.body.ok, JSON.stringify(tested.body)).toBe(true);
    // A second connection only to seed one more stored secret (never used for files).
    const spare = await t.http.post('/api/v1/storage-connections').set(admin.auth).send({
      name: 'Spare bucket',
      type: 's3',
      endpoint: 'https://s3.example.com',
      region: 'us-east-1',
      bucket: 'spare',
      accessKeyId: 'AKIASPAREEXAMPLE',
      secretAccessKey: S3_SECRET,
      forcePathStyle: true,
      basePath: 'x',
    });
    expect(spare.status).toBe(201);
    const mail = await t.http.put('/api/v1/mail/settings').set(admin.auth).send({
      host: 'smtp.example.com',
      port: 587,
      security: 'starttls',
      username: 'mailer@example.com',
      password: SMTP_PASSWORD,
      fromAddress: 'no-reply@studio.example',
      fromName: 'Vertex AR',
      enabled: true,
    });
    expect(mail.status, JSON.stringify(mail.body)).toBe(200);

    for (const storage of [{ type: 'local' }, { type: 's3', connectionId: connection.body.id as string, folder: 'studio' }]) {
      const created = await t.http
        .post('/api/v1/companies')
        .set(admin.auth)
        .send({ name: `Backup ${randomUUID().slice(0, 6)}`, storage });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const company: Company = {
        id: created.body.id as string,
        storageType: storage.type as 'local' | 's3',
        storageConnectionId: storage.connectionId ?? null,
        storageFolder: storage.folder ?? null,
      };
      companies.push(company);
      for (let i = 0; i < 3; i += 1) {
        const client = await t.http
          .post(`/api/v1/companies/${company.id}/clients`)
          .set(admin.auth)
          .send({ name: `Client ${i}`, phone: `+7999000000${i}` });
        expect(client.status).toBe(201);
      }
      const adapter = await t.app.get(StorageService).forCompany(company);
      for (const [name, size] of [
        ['image.jpg', 70_000],
        ['video.mp4', 300_000],
        ['empty.bin', 0],
      ] as const) {
        const key = companyKey(company.id, 'portraits', randomUUID(), name);
        const data = randomBytes(size);
        await adapter.put(key, Readable.from([data]), { contentType: 'application/octet-stream', size });
        objects.set(key, { company, sha256: sha(data) });
      }
    }
  });

  afterAll(async () => {
    await t?.close();
    await s3?.stop();
  });

  it('round trip: full backup → wipe database and storage → restore → identical rows, objects and API answers', async () => {
    const rowsBefore = await tableFingerprints();
    const objectsBefore = await objectHashes();
    expect(Object.keys(objectsBefore).sort()).toEqual([...objects.keys()].sort());
    const apiBefore = await Promise.all(
      [
        '/api/v1/companies?limit=100',
        `/api/v1/companies/${companies[1].id}/clients`,
        '/api/v1/storage-connections',
        '/api/v1/mail/settings',
      ].map(async (path) => (await t.http.get(path).set(admin.auth)).body as unknown),
    );

    const backup = await runBackup('full');
    expect(backup.status, JSON.stringify(backup)).toBe('complete');
    firstBackupId = backup.id as string;
    expect(backup.summary).toMatchObject({ objects: 6 });
    const dir = t.config.backup.dir;
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const name of [`${firstBackupId}.vbak`, `${firstBackupId}.manifest.json`])
      expect(statSync(join(dir, name)).mode & 0o777).toBe(0o600);

    // Wipe: every stored object (local folder and bucket) and the main tables.
    for (const [key, { company }] of objects) await (await t.app.get(StorageService).forCompany(company)).delete(key);
    rmSync(t.config.storage.root, { recursive: true, force: true });
    expect(await objectHashes()).toEqual({});
    await t.db.query(`DROP TABLE IF EXISTS companies, users, clients, storage_connections, mail_settings CASCADE`);

    const { report } = await service.restore(firstBackupId);
    expect(report.objectsRestored).toBe(6);
    expect(await tableFingerprints()).toEqual(rowsBefore);
    expect(await objectHashes()).toEqual(objectsBefore);
    const apiAfter = await Promise.all(
      [
        '/api/v1/companies?limit=100',
        `/api/v1/companies/${companies[1].id}/clients`,
        '/api/v1/storage-connections',
        '/api/v1/mail/settings',
      ].map(async (path) => (await t.http.get(path).set(admin.auth)).body as unknown),
    );
    expect(apiAfter).toEqual(apiBefore);
    // The backups table is rebuilt from the manifests on disk.
    expect((await t.http.get(`${BASE}/${firstBackupId}`).set(admin.auth)).body.status).toBe('complete');
  });

  it('verify: checksums and a test restore into a scratch database', async () => {
    const verified = await t.http.post(`${BASE}/${firstBackupId}/verify`).set(admin.auth);
    expect(verified.status).toBe(200);
    expect(verified.body.verifyResult, JSON.stringify(verified.body)).toMatchObject({ ok: true, scratchRestore: 'ok' });
    const left = (await t.db.query(`SELECT datname FROM pg_database WHERE datname LIKE 'vertex_verify_%'`)) as unknown[];
    expect(left).toEqual([]);
  });

  it('the decrypted archive holds secrets only as ciphertext and never the key', async () => {
    const chunks: Buffer[] = [];
    await readArchive(service.files.openArchive(firstBackupId), backupKeys(TEST_ENCRYPTION_KEY).archive, async (entry) => {
      for await (const chunk of entry.stream) chunks.push(chunk as Buffer);
    });
    const plain = Buffer.concat(chunks);
    const raw = readFileSync(join(t.config.backup.dir, `${firstBackupId}.vbak`));
    for (const haystack of [plain, raw, readFileSync(join(t.config.backup.dir, `${firstBackupId}.manifest.json`))]) {
      for (const secret of [SMTP_PASSWORD, S3_SECRET, TEST_ENCRYPTION_KEY, t.config.security.jwtSecret])
        expect(haystack.includes(secret)).toBe(false);
      for (const key of Object.values(backupKeys(TEST_ENCRYPTION_KEY))) expect(haystack.includes(key)).toBe(false);
    }
    expect(plain.includes('v1.')).toBe(true);
    expect(plain.includes(Buffer.from(companies[1].id))).toBe(true);
  });

  it('tampering, truncation and a wrong key are refused by verify and restore', async () => {
    const archive = join(t.config.backup.dir, `${firstBackupId}.vbak`);
    const original = readFileSync(archive);
    try {
      const flipped = Buffer.from(original);
      flipped[Math.floor(flipped.length / 2)] ^= 0x01;
      writeFileSync(archive, flipped);
      const verify = await t.http.post(`${BASE}/${firstBackupId}/verify`).set(admin.auth);
      expect(verify.body.verifyResult.ok).toBe(false);
      await expect(service.restore(firstBackupId)).rejects.toThrow(/damaged|checksum|SHA-256|authentication/);
      writeFileSync(archive, original.subarray(0, original.length - 100));
      await expect(service.restore(firstBackupId)).rejects.toThrow(/damaged|bytes/);
    } finally {
      writeFileSync(archive, original);
    }
    const again = await t.http.post(`${BASE}/${firstBackupId}/verify`).set(admin.auth);
    expect(again.body.verifyResult, 'the original bytes verify again').toMatchObject({ ok: true });
    const other = await createTestApp({
      env: { DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64url'), BACKUP_DIR: t.config.backup.dir },
    });
    try {
      await expect(other.app.get(BackupService).restore(firstBackupId)).rejects.toThrow(/manifest authentication failed/);
    } finally {
      await other.close();
    }
    // Nothing was touched by the refused restores.
    expect((await t.http.get('/api/v1/companies?limit=100').set(admin.auth)).status).toBe(200);
  });

  it('crash safety: a run killed half-way lists no backup; the next run removes the partial file', async () => {
    service.faultHook = (bytes) => {
      if (bytes > 100_000) throw new Error('injected fault');
    };
    let failed: Record<string, unknown>;
    try {
      failed = await runBackup('full');
    } finally {
      service.faultHook = undefined;
    }
    expect(failed).toMatchObject({ status: 'failed', error: 'injected fault' });
    const names = readdirSync(t.config.backup.dir);
    expect(names.filter((name) => name.startsWith(failed.id as string))).toEqual([]);
    const audit = (await t.db.query(`SELECT outcome FROM audit_events WHERE action = 'backup.failed' AND target_id = $1`, [
      failed.id,
    ])) as unknown[];
    expect(audit).toHaveLength(1);

    // A kill -9 leaves a `.partial` file and a `running` row; the next run (which holds the lock) cleans both.
    const ghost = randomUUID();
    await t.db.query(`INSERT INTO backups (id, kind, status) VALUES ($1, 'full', 'running')`, [ghost]);
    writeFileSync(join(t.config.backup.dir, `${ghost}.vbak.partial`), randomBytes(1000), { mode: 0o600 });
    const complete = await t.http.get(`${BASE}?status=complete&limit=100`).set(admin.auth);
    expect((complete.body.items as Array<{ id: string }>).map((item) => item.id)).not.toContain(ghost);
    const next = await runBackup('database');
    expect(next.status).toBe('complete');
    expect(existsSync(join(t.config.backup.dir, `${ghost}.vbak.partial`))).toBe(false);
    expect((await t.http.get(`${BASE}/${ghost}`).set(admin.auth)).body).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/interrupted/),
    });
  });

  it('rotation keeps the BACKUP_KEEP (2) newest complete backups; the last good one cannot be deleted', async () => {
    const a = await runBackup('database');
    const b = await runBackup('storage');
    // Rotation runs right after a backup is marked complete: give it a moment instead of racing it.
    let list = await t.http.get(`${BASE}?status=complete&limit=100`).set(admin.auth);
    for (let i = 0; i < 50 && list.body.items.length > 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      list = await t.http.get(`${BASE}?status=complete&limit=100`).set(admin.auth);
    }
    const ids = (list.body.items as Array<{ id: string }>).map((item) => item.id);
    // The verified backup is the last good one and survives rotation; of the others only the 2 newest stay.
    expect(ids.sort()).toEqual([a.id, b.id, firstBackupId].sort());
    expect(list.body.stats).toMatchObject({ count: 3, totalBytes: expect.any(Number) });
    expect(list.body.stats.newestCompleteAgeSeconds).toBeGreaterThanOrEqual(0);
    expect((await t.http.delete(`${BASE}/${firstBackupId}`).set(admin.auth)).status).toBe(409);
    expect((await t.http.delete(`${BASE}/${a.id as string}`).set(admin.auth)).status).toBe(204);
    expect((await t.http.delete(`${BASE}/${b.id as string}`).set(admin.auth)).status).toBe(204);
    expect((await t.http.delete(`${BASE}/${firstBackupId}`).set(admin.auth)).status).toBe(409);
    expect(existsSync(join(t.config.backup.dir, `${a.id as string}.vbak`))).toBe(false);
  });

  it('download streams the encrypted archive as an attachment; ids are validated', async () => {
    const response = await t.http
      .get(`${BASE}/${firstBackupId}/download`)
      .set(admin.auth)
      .buffer(true)
      .parse((res, callback) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => callback(null, Buffer.concat(chunks)));
      });
    expect(response.status).toBe(200);
    expect(response.headers['content-disposition']).toMatch(/^attachment; filename="vertex-ar-backup-full-[0-9a-f-]{36}\.vbak"$/);
    expect(sha(response.body as Buffer)).toBe((await t.http.get(`${BASE}/${firstBackupId}`).set(admin.auth)).body.sha256);
    for (const bad of ['not-a-uuid', '..%2F..%2Fetc%2Fpasswd', `${firstBackupId}.vbak`, '%2e%2e']) {
      const refused = await t.http.get(`${BASE}/${bad}/download`).set(admin.auth);
      expect([400, 404], bad).toContain(refused.status);
      if (bad === 'not-a-uuid') expect(refused.status).toBe(400);
    }
    expect((await t.http.get(`${BASE}/${randomUUID()}/download`).set(admin.auth)).status).toBe(404);
  });

  it('every backup route is admin-only (manager → 403)', async () => {
    const id = firstBackupId;
    const calls = [
      t.http.post(BASE).send({ kind: 'full' }),
      t.http.get(BASE),
      t.http.get(`${BASE}/${id}`),
      t.http.get(`${BASE}/${id}/download`),
      t.http.post(`${BASE}/${id}/verify`),
      t.http.delete(`${BASE}/${id}`),
    ];
    for (const call of calls) expect((await call.set(manager.auth)).status).toBe(403);
  });
});
