import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { request as httpRequest, type ClientRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { IdempotencyService } from '../src/ar/upload/idempotency.service';
import { StorageSweepService } from '../src/ar/upload/storage-sweep.service';
import { UploadLimitsService } from '../src/ar/upload/upload-limits.service';
import { StorageService } from '../src/storage/storage.service';
import { texturedJpeg } from './support/ar-fixtures';
import { arCounts, hasFfmpeg, makeVideo, postOrder, storedFiles, waitFor } from './support/ar-media';
import { loginAs, makeCompany, type SignedIn } from './support/factories';
import { createTestApp, type TestApp } from './support/test-app';

const QUOTA_MB = 1;
const QUOTA = QUOTA_MB * 1024 * 1024;
const HOUR = 3600 * 1000;

/** A portrait row (no object) that makes the company's stored bytes `imageSize` — seeds "near quota". */
async function seedStoredBytes(t: TestApp, companyId: string, imageSize: number): Promise<void> {
  const id = randomUUID();
  await t.db.query(
    `INSERT INTO portraits (id, company_id, slug, image_key, image_width, image_height, image_size) VALUES ($1, $2, $3, $4, 600, 600, $5)`,
    [id, companyId, randomBytes(16).toString('base64url'), `companies/${companyId}/portraits/${id}/image.jpg`, imageSize],
  );
}

async function reservations(t: TestApp): Promise<number> {
  const rows = (await t.db.query(`SELECT count(*)::int AS n FROM company_storage_reservations`)) as Array<{ n: number }>;
  return rows[0].n;
}

describe.runIf(hasFfmpeg)('AR upload limits', () => {
  let jpeg: Buffer;
  let mp4: Buffer;

  beforeAll(async () => {
    jpeg = await texturedJpeg(600, 5);
    mp4 = makeVideo('mp4', 1);
  }, 60_000);

  describe('upload concurrency cap (UPLOAD_MAX_CONCURRENT=1) and the storage sweep', () => {
    let t: TestApp;
    let manager: SignedIn;
    let companyId: string;

    beforeAll(async () => {
      t = await createTestApp({ env: { UPLOAD_MAX_CONCURRENT: '1' } });
      companyId = (await makeCompany(t)).id;
      manager = await loginAs(t, 'manager', companyId);
    }, 60_000);
    afterAll(async () => {
      await t?.close();
    });

    it('refuses a second upload with 503 UPLOADS_BUSY + Retry-After while the first is still streaming', async () => {
      const server = t.app.getHttpServer() as Server;
      if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      const boundary = `----vertex${randomUUID()}`;
      const part = (name: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
      const file = (name: string, filename: string, type: string) =>
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`;
      const body = Buffer.concat([
        Buffer.from(part('clientName', 'Slow') + part('clientPhone', '+79120004401') + file('image', 'a.jpg', 'image/jpeg')),
        jpeg,
        Buffer.from(`\r\n${file('video', 'a.mp4', 'video/mp4')}`),
        mp4,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      const limits = t.app.get(UploadLimitsService);
      let slow: ClientRequest | undefined;
      const first = new Promise<{ status: number; body: string }>((resolve, reject) => {
        slow = httpRequest(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: `/api/v1/companies/${companyId}/orders`,
            headers: { ...manager.auth, 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': body.length },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          },
        );
        slow.on('error', reject);
        slow.write(body.subarray(0, 1024));
      });
      try {
        await waitFor(async () => limits.inFlight === 1, 5_000, 20);
        const started = Date.now();
        const second = await postOrder(t, manager, companyId, { image: { body: jpeg }, video: { body: mp4 } });
        expect(Date.now() - started).toBeLessThan(2_000);
        expect(second.status, JSON.stringify(second.body)).toBe(503);
        expect(second.body).toMatchObject({ error: 'UPLOADS_BUSY', requestId: expect.any(String) });
        expect(Number(second.headers['retry-after'])).toBeGreaterThan(0);
        expect(limits.inFlight).toBe(1);
      } finally {
        // The rest of the first body, slowly: the held upload still completes normally.
        for (let offset = 1024; offset < body.length; offset += 16 * 1024) {
          slow!.write(body.subarray(offset, Math.min(body.length, offset + 16 * 1024)));
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        slow!.end();
      }
      const answer = await first;
      expect(answer.status, answer.body).toBe(202);
      expect(limits.inFlight).toBe(0);
    }, 30_000);

    it('the storage sweep removes old orphaned objects and temp files, keeping fresh and referenced ones', async () => {
      const order = await postOrder(t, manager, companyId, { image: { body: jpeg }, video: { body: mp4 } });
      expect(order.status, JSON.stringify(order.body)).toBe(202);
      const portraitId = order.body.portrait.id as string;
      const videoId = order.body.video.id as string;
      await waitFor(async () => {
        const rows = (await t.db.query(`SELECT status FROM orders WHERE id = $1`, [order.body.id])) as Array<{ status: string }>;
        return rows[0].status !== 'processing';
      }, 60_000);

      const company = (await t.db.query(`SELECT * FROM companies WHERE id = $1`, [companyId])) as Array<Record<string, unknown>>;
      const adapter = await t.app.get(StorageService).forCompany({
        id: companyId,
        storageType: 'local',
        storageConnectionId: null,
        storageFolder: (company[0].storage_folder as string | null) ?? null,
      });
      const root = t.config.storage.root;
      const now = Date.now();
      const old = new Date(now - 2 * HOUR);
      const put = async (key: string, mtime: Date | null) => {
        await adapter.put(key, Readable.from([Buffer.from('orphan')]), { contentType: 'application/octet-stream' });
        if (mtime) await utimes(join(root, key), mtime, mtime);
        return key;
      };
      const prefix = `companies/${companyId}/portraits`;
      const orphanPortrait = await put(`${prefix}/${randomUUID()}/image.jpg`, old);
      const orphanVideo = await put(`${prefix}/${portraitId}/videos/${randomUUID()}/video.mp4`, old);
      const freshOrphan = await put(`${prefix}/${randomUUID()}/image.jpg`, null);
      // Every referenced object is made old too: age alone never removes anything.
      const referenced: string[] = [];
      for await (const object of adapter.list(`${prefix}/${portraitId}`)) {
        if (object.key === orphanVideo) continue;
        await utimes(join(root, object.key), old, old);
        referenced.push(object.key);
      }
      expect(referenced).toEqual(
        expect.arrayContaining([`${prefix}/${portraitId}/image.jpg`, `${prefix}/${portraitId}/videos/${videoId}/video.mp4`]),
      );

      const tmp = t.config.ar.tmpDir;
      await mkdir(tmp, { recursive: true });
      const oldTemp = join(tmp, `${randomUUID()}-image-upload.part`);
      const freshTemp = join(tmp, `${randomUUID()}-video-upload.part`);
      await writeFile(oldTemp, 'partial');
      await utimes(oldTemp, old, old);
      await writeFile(freshTemp, 'partial');
      await t.db.query(`INSERT INTO company_storage_reservations (id, company_id, bytes, expires_at) VALUES ($1, $2, 10, $3)`, [
        randomUUID(),
        companyId,
        new Date(now - 60_000),
      ]);

      const [owner] = (await t.db.query(`SELECT id FROM users WHERE company_id = $1 LIMIT 1`, [companyId])) as Array<{ id: string }>;
      const oldKey = randomUUID();
      const freshKey = randomUUID();
      for (const [key, createdAt] of [
        [oldKey, new Date(now - 48 * HOUR)],
        [freshKey, new Date(now - HOUR)],
      ] as const) {
        await t.db.query(
          `INSERT INTO idempotency_keys (company_id, user_id, route, key, request_hash, state, created_at) VALUES ($1, $2, 'test', $3, $4, 'done', $5)`,
          [companyId, owner.id, key, 'a'.repeat(64), createdAt],
        );
      }

      const result = await t.app.get(StorageSweepService).sweep({ now: new Date(now), graceMs: HOUR });
      const keysLeft = (await t.db.query(`SELECT key FROM idempotency_keys WHERE key IN ($1, $2)`, [oldKey, freshKey])) as Array<{
        key: string;
      }>;
      expect(keysLeft.map((row) => row.key)).toEqual([freshKey]);
      expect(result).toMatchObject({
        objectsRemoved: 2,
        bytesRemoved: 12,
        tempFilesRemoved: 1,
        reservationsRemoved: 1,
        idempotencyKeysRemoved: 1,
        failedCompanies: 0,
      });
      expect(result.companies).toBeGreaterThanOrEqual(1);
      expect(existsSync(join(root, orphanPortrait))).toBe(false);
      expect(existsSync(join(root, orphanVideo))).toBe(false);
      expect(existsSync(join(root, freshOrphan))).toBe(true);
      for (const key of referenced) expect(existsSync(join(root, key)), key).toBe(true);
      expect(existsSync(oldTemp)).toBe(false);
      expect(existsSync(freshTemp)).toBe(true);
      // (This describe starts the file's first app: Nest's static loggers keep writing to the first app's stream.)
      expect(await waitFor(async () => t.logs.text().includes('removed an orphaned object'), 5_000, 20)).toBe(true);

      // Once the grace period has passed for it, the fresh orphan goes too; referenced objects still stay.
      const later = await t.app.get(StorageSweepService).sweep({ now: new Date(now + 2 * HOUR), graceMs: HOUR });
      expect(later.objectsRemoved).toBe(1);
      expect(existsSync(join(root, freshOrphan))).toBe(false);
      for (const key of referenced) expect(existsSync(join(root, key)), key).toBe(true);
      expect((await t.http.get(`/ar/${order.body.portrait.slug as string}/video`)).status).toBe(200);
    }, 90_000);

    it('lets a retry take over an Idempotency-Key whose request died (in progress for over 30 minutes)', async () => {
      const idempotency = t.app.get(IdempotencyService);
      const scope = { companyId, userId: manager.id, route: 'test-takeover', key: randomUUID() };
      const hash = 'b'.repeat(64);
      const started = await idempotency.begin(scope, hash);
      expect(started.kind).toBe('started');
      await expect(idempotency.begin(scope, hash)).rejects.toMatchObject({ status: 409 });
      await t.db.query(`UPDATE idempotency_keys SET created_at = now() - interval '31 minutes' WHERE key = $1`, [scope.key]);
      expect(await idempotency.begin(scope, hash)).toMatchObject({ kind: 'started' });
      await expect(idempotency.begin(scope, hash)).rejects.toMatchObject({ status: 409 });
    });
  });

  describe(`company storage quota (COMPANY_STORAGE_QUOTA_MB=${QUOTA_MB})`, () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await createTestApp({ env: { COMPANY_STORAGE_QUOTA_MB: String(QUOTA_MB), UPLOAD_MAX_CONCURRENT: '4' } });
    }, 60_000);
    afterAll(async () => {
      await t?.close();
    });

    it('refuses a company near its quota with 413 QUOTA_EXCEEDED before the body, storing nothing', async () => {
      const companyId = (await makeCompany(t)).id;
      const manager = await loginAs(t, 'manager', companyId);
      await seedStoredBytes(t, companyId, QUOTA - 1000);
      const before = await arCounts(t);
      const res = await postOrder(t, manager, companyId, { image: { body: jpeg }, video: { body: mp4 } });
      expect(res.status, JSON.stringify(res.body)).toBe(413);
      expect(res.body).toMatchObject({ statusCode: 413, error: 'QUOTA_EXCEEDED', requestId: expect.any(String) });
      expect(await arCounts(t)).toEqual(before);
      expect(storedFiles(t).filter((path) => path.includes(companyId) || path.endsWith('upload.part'))).toEqual([]);
      expect(await reservations(t)).toBe(0);
      expect(await t.app.get(UploadLimitsService).usedBytes(companyId)).toBe(QUOTA - 1000);
    });

    it('lets exactly one of two parallel uploads through when each fits but both do not', async () => {
      const companyId = (await makeCompany(t)).id;
      const manager = await loginAs(t, 'manager', companyId);
      // Each body (files + < 1 KB of multipart framing) fits in the remaining space; two do not.
      const remaining = Math.floor(1.5 * (jpeg.length + mp4.length));
      await seedStoredBytes(t, companyId, QUOTA - remaining);
      const form = (phone: string) => ({
        fields: { clientName: 'Racer', clientPhone: phone },
        image: { body: jpeg },
        video: { body: mp4 },
      });
      const [a, b] = await Promise.all([
        postOrder(t, manager, companyId, form('+79120003301')),
        postOrder(t, manager, companyId, form('+79120003302')),
      ]);
      const statuses = [a.status, b.status].sort();
      expect(statuses, JSON.stringify([a.body, b.body])).toEqual([202, 413]);
      expect([a, b].find((r) => r.status === 413)?.body.error).toBe('QUOTA_EXCEEDED');
      const orders = (await t.db.query(`SELECT count(*)::int AS n FROM orders WHERE company_id = $1`, [companyId])) as Array<{ n: number }>;
      expect(orders[0].n).toBe(1);
      expect(await reservations(t)).toBe(0);
      expect(await t.app.get(UploadLimitsService).usedBytes(companyId)).toBeLessThanOrEqual(QUOTA);
    });
  });
});
