import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SecretsService } from '../src/security/secrets.service';
import { texturedJpeg } from './support/ar-fixtures';
import { arCounts, floodPng, hasFfmpeg, makeVideo, postOrder, storedFiles, waitFor, type OrderForm } from './support/ar-media';
import { loginAs, makeCompany, type SignedIn } from './support/factories';
import { startS3Server } from './support/s3-server';
import { createTestApp, type TestApp } from './support/test-app';

describe.runIf(hasFfmpeg)('AR uploads: refused input leaves nothing behind', () => {
  let t: TestApp;
  let manager: SignedIn;
  let companyId: string;
  let jpeg: Buffer;
  let mp4: Buffer;

  beforeAll(async () => {
    t = await createTestApp({ env: { MAX_IMAGE_MB: '2', MAX_VIDEO_MB: '3' } });
    companyId = (await makeCompany(t)).id;
    manager = await loginAs(t, 'manager', companyId);
    jpeg = await texturedJpeg(600, 3);
    mp4 = makeVideo('mp4', 2);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  /** Sends the form and checks the refusal left no rows and no files; returns the status for the caller to assert. */
  async function refuse(form: OrderForm, status: number, label: string): Promise<number> {
    const before = await arCounts(t);
    const res = await postOrder(t, manager, companyId, form);
    expect(res.status, `${label}: ${JSON.stringify(res.body)}`).toBe(status);
    expect(res.body.requestId, label).toEqual(expect.any(String));
    expect(await arCounts(t), label).toEqual(before);
    expect(storedFiles(t), label).toEqual([]);
    return res.status;
  }

  const mkv = () => makeVideo('mkv', 1);
  const cases: Array<[string, () => OrderForm | Promise<OrderForm>, number]> = [
    [
      'HTML renamed .jpg',
      () => ({
        image: { body: Buffer.from('<!doctype html><html><script>alert(1)</script></html>'.padEnd(5000, ' ')) },
        video: { body: mp4 },
      }),
      415,
    ],
    [
      'SVG renamed .jpg',
      () => ({
        image: { body: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'.padEnd(5000, ' ')) },
        video: { body: mp4 },
      }),
      415,
    ],
    [
      'PDF renamed .jpg',
      () => ({ image: { body: Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(5000, 0x20)]) }, video: { body: mp4 } }),
      415,
    ],
    [
      'EXE renamed .jpg',
      () => ({ image: { body: Buffer.concat([Buffer.from('MZ'), Buffer.alloc(5000, 0x90)]) }, video: { body: mp4 } }),
      415,
    ],
    [
      'EXE renamed .mp4',
      () => ({ image: { body: jpeg }, video: { body: Buffer.concat([Buffer.from('MZ'), Buffer.alloc(5000, 0x90)]) } }),
      415,
    ],
    [
      'PNG whose IHDR claims 50000×50000',
      () => ({ image: { body: floodPng(50_000, 50_000), name: 'flood.png', type: 'image/png' }, video: { body: mp4 } }),
      400,
    ],
    ['PNG smaller than 480 px', () => ({ image: { body: floodPng(100, 100), name: 'tiny.png' }, video: { body: mp4 } }), 400],
    ['MP4 without moov (truncated)', () => ({ image: { body: jpeg }, video: { body: withoutMoov(mp4) } }), 400],
    ['MP4 cut in half', () => ({ image: { body: jpeg }, video: { body: mp4.subarray(0, Math.floor(mp4.length / 2)) } }), 400],
    ['MKV renamed .mp4', () => ({ image: { body: jpeg }, video: { body: mkv() } }), 415],
    ['MP4 made of thousands of tiny boxes', () => ({ image: { body: jpeg }, video: { body: boxFlood(mp4) } }), 400],
    ['MP4 with an unknown top-level box', () => ({ image: { body: jpeg }, video: { body: withBox(mp4, 'evil') } }), 400],
    ['0-byte image', () => ({ image: { body: Buffer.alloc(0) }, video: { body: mp4 } }), 400],
    ['0-byte video', () => ({ image: { body: jpeg }, video: { body: Buffer.alloc(0) } }), 400],
    ['two image parts', () => ({ image: { body: jpeg }, video: { body: mp4 }, extraFiles: [{ field: 'image', body: jpeg }] }), 400],
    ['an unknown file field', () => ({ image: { body: jpeg }, video: { body: mp4 }, extraFiles: [{ field: 'script', body: jpeg }] }), 400],
    [
      'an unknown text field',
      () => ({ fields: { clientName: 'A', clientPhone: '+79120001122', role: 'admin' }, image: { body: jpeg }, video: { body: mp4 } }),
      400,
    ],
    [
      'a __proto__ field',
      () => ({
        fields: { clientName: 'A', clientPhone: '+79120001122', '__proto__[role]': 'admin' },
        image: { body: jpeg },
        video: { body: mp4 },
      }),
      400,
    ],
    ['a bad phone', () => ({ fields: { clientName: 'A', clientPhone: '12' }, image: { body: jpeg }, video: { body: mp4 } }), 400],
    ['a missing video', () => ({ image: { body: jpeg }, video: null }), 400],
    ['an oversize image', () => ({ image: { body: Buffer.concat([jpeg, Buffer.alloc(3 * 1024 * 1024)]) }, video: { body: mp4 } }), 413],
    ['an oversize video', () => ({ image: { body: jpeg }, video: { body: Buffer.concat([mp4, Buffer.alloc(4 * 1024 * 1024)]) } }), 413],
  ];
  it.each(cases)('refuses %s', async (label, form, status) => {
    expect(await refuse(await form(), status, label)).toBe(status);
  });

  it('refuses a non-UUID Idempotency-Key before reading the body', async () => {
    expect(
      await refuse({ image: { body: jpeg }, video: { body: mp4 }, headers: { 'Idempotency-Key': 'not-a-uuid' } }, 400, 'bad key'),
    ).toBe(400);
  });

  it('answers 413 while the client is still sending an oversize image', async () => {
    const server = t.app.getHttpServer() as Server;
    if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address() as AddressInfo;
    const boundary = `----vertex${randomUUID()}`;
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="clientName"\r\n\r\nA\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="clientPhone"\r\n\r\n+79120001122\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
    );
    const total = 40 * 1024 * 1024;
    const result = await new Promise<{ status: number; sentWhenAnswered: number }>((resolve, reject) => {
      let sent = 0;
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: address.port,
          method: 'POST',
          path: `/api/v1/companies/${companyId}/orders`,
          headers: { ...manager.auth, 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Transfer-Encoding': 'chunked' },
        },
        (res) => {
          resolve({ status: res.statusCode ?? 0, sentWhenAnswered: sent });
          res.resume();
        },
      );
      req.on('error', () => undefined);
      req.write(head);
      req.write(jpeg);
      const chunk = Buffer.alloc(64 * 1024);
      const pump = () => {
        if (sent >= total || req.destroyed) return;
        sent += chunk.length;
        if (req.write(chunk)) setImmediate(pump);
        else req.once('drain', pump);
      };
      pump();
      setTimeout(() => reject(new Error('no answer')), 20_000).unref();
    });
    expect(result.status).toBe(413);
    expect(result.sentWhenAnswered).toBeLessThan(total / 2);
    expect(storedFiles(t)).toEqual([]);
  });

  describe('Idempotency-Key', () => {
    it('replays the same response, refuses another payload with 422', async () => {
      const key = randomUUID();
      const form = { image: { body: jpeg }, video: { body: mp4 }, headers: { 'Idempotency-Key': key } };
      const first = await postOrder(t, manager, companyId, form);
      expect(first.status).toBe(202);
      const before = await arCounts(t);
      const replay = await postOrder(t, manager, companyId, form);
      expect(replay.status).toBe(202);
      expect(replay.body).toEqual(first.body);
      expect(await arCounts(t)).toEqual(before);
      const other = await postOrder(t, manager, companyId, { ...form, fields: { clientName: 'Other', clientPhone: '+79120001199' } });
      expect(other.status).toBe(422);
      expect(await arCounts(t)).toEqual(before);
    });

    it('answers 409 while the first request with the key is still running', async () => {
      const key = randomUUID();
      await t.db.query(
        `INSERT INTO idempotency_keys (company_id, user_id, route, key, request_hash) VALUES ($1, $2, 'POST /api/v1/companies/:companyId/orders', $3, $4)`,
        [companyId, manager.id, key, 'x'.repeat(64)],
      );
      const running = await postOrder(t, manager, companyId, {
        image: { body: jpeg },
        video: { body: mp4 },
        headers: { 'Idempotency-Key': key },
      });
      expect(running.status).toBe(422);
      await t.db.query(`UPDATE idempotency_keys SET request_hash = $2 WHERE key = $1`, [key, 'y'.repeat(64)]);
      // Two concurrent requests with one key: one wins, the other gets 409 (or the replay once the first finished).
      const key2 = randomUUID();
      const form = { image: { body: jpeg }, video: { body: mp4 }, headers: { 'Idempotency-Key': key2 } };
      const [a, b] = await Promise.all([postOrder(t, manager, companyId, form), postOrder(t, manager, companyId, form)]);
      const statuses = [a.status, b.status].sort();
      expect([
        [202, 202],
        [202, 409],
      ]).toContainEqual(statuses);
      const orders = (await t.db.query(`SELECT count(*)::int AS n FROM idempotency_keys WHERE key = $1`, [key2])) as Array<{ n: number }>;
      expect(orders[0].n).toBe(1);
    });
  });

  it('answers 503 STORAGE_UNAVAILABLE when the company storage is down, leaving no rows and no files', async () => {
    const s3 = await startS3Server();
    const connectionId = randomUUID();
    await t.db.query(
      `INSERT INTO storage_connections (id, name, type, config, secrets, is_active, last_test_ok) VALUES ($1, 'down', 's3', $2, '{}'::jsonb, true, true)`,
      [connectionId, JSON.stringify({ endpoint: s3.endpoint, region: s3.region, bucket: s3.bucket, forcePathStyle: true, basePath: '' })],
    );
    const secrets = t.app.get(SecretsService);
    const enc = (field: string, value: string) => secrets.encrypt(value, { table: 'storage_connections', id: connectionId, field });
    await t.db.query(`UPDATE storage_connections SET secrets = $2 WHERE id = $1`, [
      connectionId,
      JSON.stringify({ accessKeyId: enc('accessKeyId', s3.accessKeyId), secretAccessKey: enc('secretAccessKey', s3.secretAccessKey) }),
    ]);
    const remote = (await makeCompany(t)).id;
    await t.db.query(`UPDATE companies SET storage_type = 's3', storage_connection_id = $2 WHERE id = $1`, [remote, connectionId]);
    const remoteManager = await loginAs(t, 'manager', remote);
    await s3.stop();
    const before = await arCounts(t);
    const res = await postOrder(t, remoteManager, remote, { image: { body: jpeg }, video: { body: mp4 } });
    expect(res.status, JSON.stringify(res.body)).toBe(503);
    expect(res.body.error).toBe('STORAGE_UNAVAILABLE');
    expect(await arCounts(t)).toEqual(before);
    expect(storedFiles(t).filter((path) => path.includes(remote) || path.includes('upload.part'))).toEqual([]);
  }, 60_000);

  it('serves an S3-stored video as a 302 to a short-lived presigned URL that the viewer CSP allows', async () => {
    const s3 = await startS3Server();
    try {
      const connectionId = randomUUID();
      const secrets = t.app.get(SecretsService);
      const enc = (field: string, value: string) => secrets.encrypt(value, { table: 'storage_connections', id: connectionId, field });
      await t.db.query(
        `INSERT INTO storage_connections (id, name, type, config, secrets, is_active, last_test_ok)
         VALUES ($1, $2, 's3', $3, $4, true, true)`,
        [
          connectionId,
          `up-${connectionId.slice(0, 8)}`,
          JSON.stringify({ endpoint: s3.endpoint, region: s3.region, bucket: s3.bucket, forcePathStyle: true, basePath: '' }),
          JSON.stringify({ accessKeyId: enc('accessKeyId', s3.accessKeyId), secretAccessKey: enc('secretAccessKey', s3.secretAccessKey) }),
        ],
      );
      const remote = (await makeCompany(t)).id;
      await t.db.query(`UPDATE companies SET storage_type = 's3', storage_connection_id = $2 WHERE id = $1`, [remote, connectionId]);
      const manager = await loginAs(t, 'manager', remote);
      const order = await postOrder(t, manager, remote, { image: { body: jpeg }, video: { body: mp4 } });
      expect(order.status, JSON.stringify(order.body)).toBe(202);
      const status = await waitFor(async () => {
        const rows = (await t.db.query(`SELECT status FROM orders WHERE id = $1`, [order.body.id])) as Array<{ status: string }>;
        return rows[0].status !== 'processing' ? rows[0].status : null;
      }, 90_000);
      expect(status).toBe('ready');
      const slug = order.body.portrait.slug as string;
      const video = await t.http.get(`/ar/${slug}/video`).redirects(0);
      expect(video.status).toBe(302);
      const location = new URL(video.headers.location as string);
      expect(location.origin).toBe(new URL(s3.endpoint).origin);
      expect(Number(location.searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(900);
      const ranged = await fetch(location, { headers: { Range: 'bytes=0-0' } });
      expect([200, 206]).toContain(ranged.status);
      const page = await t.http.get(`/ar/${slug}`);
      expect(page.status).toBe(200);
      expect(page.headers['content-security-policy']).toContain(`media-src 'self' ${new URL(s3.endpoint).origin}`);
    } finally {
      await s3.stop();
    }
  }, 120_000);
});

/** The MP4's `ftyp`, then 5 000 empty `free` boxes, then the rest: a cheap way to tie up a naive box walker. */
function boxFlood(mp4: Buffer): Buffer {
  const ftypSize = mp4.readUInt32BE(0);
  const free = Buffer.alloc(8);
  free.writeUInt32BE(8, 0);
  free.write('free', 4, 'latin1');
  return Buffer.concat([mp4.subarray(0, ftypSize), ...Array.from({ length: 5_000 }, () => free), mp4.subarray(ftypSize)]);
}

/** The MP4 with an extra top-level box of the given type after `ftyp`. */
function withBox(mp4: Buffer, type: string): Buffer {
  const ftypSize = mp4.readUInt32BE(0);
  const box = Buffer.alloc(16);
  box.writeUInt32BE(16, 0);
  box.write(type, 4, 'latin1');
  return Buffer.concat([mp4.subarray(0, ftypSize), box, mp4.subarray(ftypSize)]);
}

/** The MP4 with its `moov` box removed (`ftyp` + `mdat` only): what an interrupted recording leaves. */
function withoutMoov(mp4: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let offset = 0; offset + 8 <= mp4.length;) {
    const size = mp4.readUInt32BE(offset);
    if (mp4.toString('latin1', offset + 4, offset + 8) !== 'moov') parts.push(mp4.subarray(offset, offset + size));
    offset += size;
  }
  return Buffer.concat(parts);
}
