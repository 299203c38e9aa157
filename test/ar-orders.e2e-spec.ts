import sharp from 'sharp';
import jsQR from 'jsqr';
import { texturedJpeg } from './support/ar-fixtures';
import { hasFfmpeg, jpegWithGps, makeVideo, postOrder, storedFiles, waitFor } from './support/ar-media';
import { loginAs, makeCompany, type SignedIn } from './support/factories';
import { createTestApp, type TestApp } from './support/test-app';

describe.runIf(hasFfmpeg)('AR orders: upload → processing → public', () => {
  let t: TestApp;
  let manager: SignedIn;
  let companyId: string;
  let image: Buffer;
  let video: Buffer;
  let order: { id: string; portrait: { id: string; slug: string }; video: { id: string } };

  beforeAll(async () => {
    t = await createTestApp({ env: { BASE_URL: 'https://ar.example.test' } });
    companyId = (await makeCompany(t)).id;
    manager = await loginAs(t, 'manager', companyId);
    image = await jpegWithGps(await texturedJpeg(640, 7, 560));
    video = makeVideo('mp4', 3);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it('accepts an order with 202 and processes it to ready', async () => {
    const res = await postOrder(t, manager, companyId, { image: { body: image }, video: { body: video } });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body).toMatchObject({
      status: 'processing',
      kind: 'upload',
      portrait: { slug: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/) },
    });
    expect(res.body.video).toMatchObject({ isActive: true, codec: 'avc1', container: 'mp4', width: 320, height: 240 });
    order = res.body;
    const ready = await waitFor(async () => {
      const got = await t.http.get(`/api/v1/companies/${companyId}/orders/${order.id}`).set(manager.auth);
      return got.body.status !== 'processing' ? got.body : null;
    }, 90_000);
    expect(ready, JSON.stringify(ready)).toMatchObject({ status: 'ready', failureReason: null });
    const portrait = await t.http.get(`/api/v1/companies/${companyId}/portraits/${order.portrait.id}`).set(manager.auth);
    expect(portrait.body).toMatchObject({
      targetReady: true,
      qrReady: true,
      status: 'active',
      trackability: { score: expect.any(String) },
    });
    expect(portrait.body.trackability.featurePoints).toBeGreaterThan(0);
  }, 120_000);

  it('stores the image re-encoded without EXIF/GPS', async () => {
    const row = (await t.db.query(`SELECT image_key FROM portraits WHERE id = $1`, [order.portrait.id]))[0] as { image_key: string };
    const stored = storedFiles(t).find((path) => path.endsWith(row.image_key));
    expect(stored).toBeDefined();
    const meta = await sharp(stored!).metadata();
    expect(meta.exif).toBeUndefined();
    expect(meta.format).toBe('jpeg');
    expect((await sharp(image).metadata()).exif).toBeDefined();
    const preview = await t.http
      .get(`/ar/${order.portrait.slug}/preview.webp`)
      .buffer(true)
      .parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(preview.status).toBe(200);
    expect((await sharp(preview.body as Buffer).metadata()).exif).toBeUndefined();
  });

  it('serves a QR code that decodes to the public URL', async () => {
    const png = await t.http
      .get(`/api/v1/companies/${companyId}/portraits/${order.portrait.id}/qr.png`)
      .set(manager.auth)
      .buffer(true)
      .parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(png.status).toBe(200);
    const { data, info } = await sharp(png.body as Buffer)
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const code = jsQR(new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength), info.width, info.height);
    expect(code?.data).toBe(`https://ar.example.test/ar/${order.portrait.slug}`);
    const svg = await t.http.get(`/api/v1/companies/${companyId}/portraits/${order.portrait.id}/qr.svg`).set(manager.auth);
    expect(svg.status).toBe(200);
    expect(svg.headers['content-type']).toMatch(/^image\/svg\+xml/);
  });

  it('gives the mobile JSON with ETag / 304 and no personal data', async () => {
    const res = await t.http.get(`/api/v1/mobile/ar/${order.portrait.slug}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      slug: order.portrait.slug,
      title: 'Grandma',
      status: 'active',
      targetUrl: expect.stringContaining(`/ar/${order.portrait.slug}/target.mind`),
      video: { url: expect.stringContaining('/video'), durationSeconds: expect.any(Number), width: 320, height: 240 },
      image: { previewUrl: expect.stringContaining('/preview.webp'), width: 640, height: 560 },
      updatedAt: expect.any(String),
    });
    expect(res.body.video.posterUrl).toEqual(expect.stringContaining('/poster.webp'));
    const again = await t.http.get(`/api/v1/mobile/ar/${order.portrait.slug}`).set('If-None-Match', res.headers.etag as string);
    expect(again.status).toBe(304);
    const page = await t.http.get(`/ar/${order.portrait.slug}`);
    expect(page.status).toBe(200);
    for (const text of [res.text, page.text]) {
      for (const secret of ['Anna', 'Petrova', '79125551122', '912 555', 'anna@example.com']) expect(text).not.toContain(secret);
    }
  });

  it('serves target.mind with a strong ETag, long cache and 304', async () => {
    const res = await t.http.get(`/ar/${order.portrait.slug}/target.mind`);
    expect(res.status).toBe(200);
    expect(res.headers.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(res.headers['cache-control']).toContain('max-age=31536000');
    const again = await t.http.get(`/ar/${order.portrait.slug}/target.mind`).set('If-None-Match', res.headers.etag as string);
    expect(again.status).toBe(304);
    const poster = await t.http.get(`/ar/${order.portrait.slug}/poster.webp`);
    expect(poster.status).toBe(200);
    expect(poster.headers['content-type']).toBe('image/webp');
  });

  it('answers Range requests on the video', async () => {
    const path = `/ar/${order.portrait.slug}/video`;
    const size = video.length;
    const full = await t.http.get(path);
    expect(full.status).toBe(200);
    expect(full.headers['accept-ranges']).toBe('bytes');
    expect(Number(full.headers['content-length'])).toBe(size);
    const first = await t.http.get(path).set('Range', 'bytes=0-0');
    expect(first.status).toBe(206);
    expect(first.headers['content-range']).toBe(`bytes 0-0/${size}`);
    expect(first.headers['content-length']).toBe('1');
    const from = await t.http.get(path).set('Range', 'bytes=100-');
    expect(from.status).toBe(206);
    expect(from.headers['content-range']).toBe(`bytes 100-${size - 1}/${size}`);
    const suffix = await t.http.get(path).set('Range', 'bytes=-500');
    expect(suffix.status).toBe(206);
    expect(suffix.headers['content-range']).toBe(`bytes ${size - 500}-${size - 1}/${size}`);
    const out = await t.http.get(path).set('Range', `bytes=${size + 10}-`);
    expect(out.status).toBe(416);
    expect(out.headers['content-range']).toBe(`bytes */${size}`);
  });

  it('counts viewer events once per session and reports stats', async () => {
    const post = (body: Record<string, unknown>) => t.http.post(`/api/v1/mobile/ar/${order.portrait.slug}/events`).send(body);
    expect((await post({ type: 'view', sessionId: 'session-aaaa1', platform: 'ios', scanTimeMs: 900 })).body).toEqual({ recorded: true });
    expect((await post({ type: 'view', sessionId: 'session-aaaa1' })).body).toEqual({ recorded: false });
    await post({ type: 'view', sessionId: 'session-bbbb2' });
    await post({ type: 'play', sessionId: 'session-aaaa1' });
    await post({ type: 'play', sessionId: 'session-bbbb2' });
    await post({ type: 'complete', sessionId: 'session-aaaa1' });
    expect((await post({ type: 'hack', sessionId: 'session-aaaa1' })).status).toBe(400);
    expect(
      (await t.http.post(`/api/v1/mobile/ar/AAAAAAAAAAAAAAAAAAAAAA/events`).send({ type: 'view', sessionId: 'session-aaaa1' })).status,
    ).toBe(404);
    const stats = await t.http.get(`/api/v1/companies/${companyId}/portraits/${order.portrait.id}/stats`).set(manager.auth);
    expect(stats.body).toMatchObject({ views: 2, uniqueSessions: 2, plays: 2, completes: 1, completionRate: 0.5 });
    const daily = await t.http.get(`/api/v1/companies/${companyId}/stats`).set(manager.auth);
    expect(daily.status).toBe(200);
    expect(daily.body.days).toEqual([expect.objectContaining({ views: 2, plays: 2, completes: 1 })]);
  });

  it('answers 404 for random and malformed slugs everywhere', async () => {
    for (const slug of ['AAAAAAAAAAAAAAAAAAAAAA', 'x', '1', order.portrait.id, '..%2f..%2fetc']) {
      expect((await t.http.get(`/api/v1/mobile/ar/${slug}`)).status).toBe(404);
      expect((await t.http.get(`/ar/${slug}/target.mind`)).status).toBe(404);
      expect((await t.http.get(`/ar/${slug}/video`)).status).toBe(404);
      expect((await t.http.get(`/ar/${slug}`)).status).toBe(404);
    }
  });
});
