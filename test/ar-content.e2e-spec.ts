import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { AR_EVENTS } from '../src/common/domain-events';
import { OrderProcessingService } from '../src/ar/orders/order-processing.service';
import { PortraitLifecycleService } from '../src/ar/portraits/portrait-lifecycle.service';
import { VideoScheduleService } from '../src/ar/videos/video-schedule.service';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { texturedJpeg } from './support/ar-fixtures';
import { hasFfmpeg, makeVideo, postOrder, storedFiles, waitFor } from './support/ar-media';
import { loginAs, makeCompany, type SignedIn } from './support/factories';
import { createTestApp, type TestApp } from './support/test-app';

interface RouterLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

describe.runIf(hasFfmpeg)('AR content: tenancy, videos, schedule, lifecycle, recovery', () => {
  let t: TestApp;
  let a: SignedIn;
  let b: SignedIn;
  let viewerA: SignedIn;
  let companyA: string;
  let companyB: string;
  let jpeg: Buffer;
  let mp4: Buffer;
  let orderA: { id: string; portrait: { id: string; slug: string }; video: { id: string } };

  beforeAll(async () => {
    t = await createTestApp();
    companyA = (await makeCompany(t)).id;
    companyB = (await makeCompany(t)).id;
    a = await loginAs(t, 'manager', companyA);
    b = await loginAs(t, 'manager', companyB);
    viewerA = await loginAs(t, 'viewer', companyA);
    jpeg = await texturedJpeg(600, 11);
    mp4 = makeVideo('mp4', 2);
    const res = await postOrder(t, a, companyA, { image: { body: jpeg }, video: { body: mp4 } });
    expect(res.status).toBe(202);
    orderA = res.body;
    await waitFor(async () => {
      const rows = (await t.db.query(`SELECT status FROM orders WHERE id = $1`, [orderA.id])) as Array<{ status: string }>;
      return rows[0].status !== 'processing' ? rows[0].status : null;
    }, 90_000);
  }, 150_000);
  afterAll(async () => {
    await t?.close();
  });

  const videosPath = (companyId: string, portraitId: string) => `/api/v1/companies/${companyId}/portraits/${portraitId}/videos`;

  it('answers 404 to company B on every company A order, portrait, video and stats route', async () => {
    const express = t.app.getHttpAdapter().getInstance() as { router: { stack: RouterLayer[] } };
    const routes = express.router.stack
      .filter((layer) => layer.route && /^\/api\/v1\/companies\/:companyId\/(orders|portraits|stats)/.test(layer.route.path))
      .flatMap((layer) =>
        Object.keys(layer.route!.methods)
          .filter((m) => m !== '_all')
          .map((method) => ({ method, path: layer.route!.path })),
      );
    expect(routes.length).toBeGreaterThanOrEqual(19);
    const ids: Record<string, string> = { orderId: orderA.id, portraitId: orderA.portrait.id, videoId: orderA.video.id };
    for (const { method, path } of routes) {
      for (const company of [companyA, companyB]) {
        // Company B's own collection routes are B's business; with an id of A's they must still answer 404.
        if (company === companyB && !/:(orderId|portraitId|videoId)/.test(path)) continue;
        const concrete = path.replace(':companyId', company).replace(/:(\w+)/g, (_m, name: string) => ids[name]);
        const call = (t.http as unknown as Record<string, (p: string) => ReturnType<typeof t.http.get>>)[method](concrete).set(b.auth);
        const body = path.endsWith('/schedule') ? { rotation: 'none' } : method === 'patch' ? { title: 'x' } : {};
        const res = ['post', 'patch'].includes(method) ? await call.send(body) : await call;
        expect(res.status, `${method.toUpperCase()} ${concrete}`).toBe(404);
      }
    }
    const still = await t.http.get(`/api/v1/companies/${companyA}/portraits/${orderA.portrait.id}`).set(a.auth);
    expect(still.status).toBe(200);
    expect(still.body.title).not.toBe('x');
  });

  it('lets viewers read but not write', async () => {
    expect((await t.http.get(`/api/v1/companies/${companyA}/portraits`).set(viewerA.auth)).status).toBe(200);
    expect(
      (await t.http.patch(`/api/v1/companies/${companyA}/portraits/${orderA.portrait.id}`).set(viewerA.auth).send({ title: 'v' })).status,
    ).toBe(403);
    expect((await t.http.post(`/api/v1/companies/${companyA}/orders`).set(viewerA.auth).send({})).status).toBe(403);
  });

  it('lists, filters and sorts portraits; refuses unknown sort keys', async () => {
    const list = await t.http.get(`/api/v1/companies/${companyA}/portraits?status=active&sort=-createdAt`).set(a.auth);
    expect(list.status).toBe(200);
    expect(list.body.items.map((p: { id: string }) => p.id)).toContain(orderA.portrait.id);
    expect((await t.http.get(`/api/v1/companies/${companyA}/portraits?sort=slug;drop`).set(a.auth)).status).toBe(400);
    expect((await t.http.get(`/api/v1/companies/${companyA}/portraits?status=expired`).set(a.auth)).body.total).toBe(0);
  });

  describe('videos', () => {
    let second: string;
    let third: string;
    it('adds videos to a portrait through the same pipeline', async () => {
      const add = () =>
        t.http
          .post(videosPath(companyA, orderA.portrait.id))
          .set(a.auth)
          .field('description', 'Second')
          .attach('video', mp4, { filename: 'b.mp4', contentType: 'video/mp4' });
      const res = await add();
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body).toMatchObject({ isActive: false, description: 'Second', sortOrder: 1 });
      second = res.body.id;
      third = (await add()).body.id;
      const webm = await t.http
        .post(videosPath(companyA, orderA.portrait.id))
        .set(a.auth)
        .attach('video', makeVideo('webm', 1), { filename: 'c.webm', contentType: 'video/webm' });
      expect(webm.status, JSON.stringify(webm.body)).toBe(201);
      expect(webm.body).toMatchObject({ container: 'webm', codec: 'vp8' });
      const bad = await t.http
        .post(videosPath(companyA, orderA.portrait.id))
        .set(a.auth)
        .attach('video', jpeg, { filename: 'x.mp4', contentType: 'video/mp4' });
      expect(bad.status).toBe(415);
    });

    it('keeps exactly one active video under concurrent activations', async () => {
      const ids = [orderA.video.id, second, third];
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => t.http.post(`${videosPath(companyA, orderA.portrait.id)}/${ids[i % 3]}/activate`).set(a.auth)),
      );
      for (const res of results) expect([200, 409]).toContain(res.status);
      const active = (await t.db.query(`SELECT count(*)::int AS n FROM videos WHERE portrait_id = $1 AND is_active`, [
        orderA.portrait.id,
      ])) as Array<{ n: number }>;
      expect(active[0].n).toBe(1);
      await expect(t.db.query(`UPDATE videos SET is_active = true WHERE portrait_id = $1`, [orderA.portrait.id])).rejects.toThrow(
        /videos_one_active_per_portrait/,
      );
      const history = await t.http.get(`${videosPath(companyA, orderA.portrait.id)}/${second}/history`).set(a.auth);
      expect(history.status).toBe(200);
      expect(history.body.items.map((h: { action: string }) => h.action)).toContain('uploaded');
    });

    it('refuses to delete the active video without force, and a bad schedule', async () => {
      const active = (await t.db.query(`SELECT id FROM videos WHERE portrait_id = $1 AND is_active`, [orderA.portrait.id]))[0] as {
        id: string;
      };
      expect((await t.http.delete(`${videosPath(companyA, orderA.portrait.id)}/${active.id}`).set(a.auth)).status).toBe(409);
      const bad = await t.http
        .patch(`${videosPath(companyA, orderA.portrait.id)}/${second}/schedule`)
        .set(a.auth)
        .send({ startsAt: '2030-02-01T00:00:00Z', endsAt: '2030-01-01T00:00:00Z', rotation: 'none' });
      expect(bad.status).toBe(400);
      expect(
        (
          await t.http
            .patch(`${videosPath(companyA, orderA.portrait.id)}/${second}/schedule`)
            .set(a.auth)
            .send({ rotation: 'daily' })
        ).status,
      ).toBe(400);
      const forced = await t.http.delete(`${videosPath(companyA, orderA.portrait.id)}/${active.id}?force=true`).set(a.auth);
      expect(forced.status).toBe(204);
      const after = (await t.db.query(`SELECT count(*)::int AS n FROM videos WHERE portrait_id = $1 AND is_active`, [
        orderA.portrait.id,
      ])) as Array<{ n: number }>;
      expect(after[0].n).toBe(1);
    });
  });

  it('runs video schedules with the injectable clock: activation, end, rotation, history', async () => {
    const portrait = orderA.portrait.id;
    const videos = (await t.db.query(`SELECT id FROM videos WHERE portrait_id = $1 ORDER BY sort_order`, [portrait])) as Array<{
      id: string;
    }>;
    expect(videos.length).toBeGreaterThanOrEqual(3);
    const [v1, v2, v3] = videos.map((v) => v.id);
    const scheduler = t.app.get(VideoScheduleService);
    const t0 = new Date(Date.now() + 86_400_000);
    const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
    const schedule = (id: string, body: Record<string, unknown>) =>
      t.http
        .patch(`${videosPath(companyA, portrait)}/${id}/schedule`)
        .set(a.auth)
        .send(body);
    expect((await t.http.post(`${videosPath(companyA, portrait)}/${v3}/activate`).set(a.auth)).status).toBe(200);
    expect((await schedule(v1, { startsAt: at(5).toISOString(), endsAt: at(10).toISOString(), rotation: 'sequential' })).status).toBe(200);
    expect((await schedule(v2, { endsAt: at(20).toISOString(), rotation: 'cyclic' })).status).toBe(200);
    const isActive = async () =>
      ((await t.db.query(`SELECT id FROM videos WHERE portrait_id = $1 AND is_active`, [portrait]))[0] as { id: string } | undefined)?.id;
    // The clock moves only around the scheduler runs (the signed-in session lives in real time).
    const runAt = async (date: Date) => {
      t.clock.set(date);
      try {
        await scheduler.run();
      } finally {
        t.clock.set(new Date());
      }
    };
    await runAt(t0);
    expect(await isActive()).toBe(v3);
    await runAt(at(5));
    expect(await isActive()).toBe(v1);
    await runAt(at(6));
    expect(await isActive()).toBe(v1);
    await runAt(at(10));
    expect(await isActive()).toBe(v2);
    await runAt(at(20));
    expect(await isActive()).toBe(v3);
    const history = (await t.db.query(
      `SELECT video_id, action FROM video_history WHERE portrait_id = $1 AND actor = 'scheduler' ORDER BY at, action`,
      [portrait],
    )) as Array<{
      video_id: string;
      action: string;
    }>;
    expect(history).toEqual(
      expect.arrayContaining([
        { video_id: v1, action: 'activated' },
        { video_id: v1, action: 'deactivated' },
        { video_id: v2, action: 'activated' },
        { video_id: v2, action: 'deactivated' },
        { video_id: v3, action: 'activated' },
      ]),
    );
    expect(history.filter((h) => h.video_id === v1 && h.action === 'activated')).toHaveLength(1);
    const api = await t.http.get(`${videosPath(companyA, portrait)}/${v1}/history`).set(a.auth);
    expect(api.body.items.some((h: { actor: string }) => h.actor === 'scheduler')).toBe(true);
  });

  it('emits subscription reminders once each', async () => {
    const events: string[] = [];
    const emitter = t.app.get(EventEmitter2);
    const listen = (name: string) => (payload: { window?: string }) => events.push(`${name}:${payload.window ?? ''}`);
    const onExpiring = listen('expiring');
    const onExpired = listen('expired');
    emitter.on(AR_EVENTS.subscriptionExpiring, onExpiring);
    emitter.on(AR_EVENTS.subscriptionExpired, onExpired);
    const now = Date.now();
    t.clock.set(new Date(now));
    await t.http
      .patch(`/api/v1/companies/${companyA}/portraits/${orderA.portrait.id}`)
      .set(a.auth)
      .send({ subscriptionEndsAt: new Date(now + 6 * 86_400_000).toISOString() });
    const lifecycle = t.app.get(PortraitLifecycleService);
    for (const offset of [0, 0, 5.5, 5.5, 6.5, 6.5]) await lifecycle.run(new Date(now + offset * 86_400_000));
    expect(events).toEqual(['expiring:7d', 'expiring:24h', 'expired:']);
    emitter.off(AR_EVENTS.subscriptionExpiring, onExpiring);
    emitter.off(AR_EVENTS.subscriptionExpired, onExpired);
    t.clock.set(new Date(now + 6.5 * 86_400_000));
    try {
      expect((await t.http.get(`/api/v1/mobile/ar/${orderA.portrait.slug}`)).body).toMatchObject({
        status: 'expired',
        video: null,
        targetUrl: null,
      });
      expect((await t.http.get(`/ar/${orderA.portrait.slug}`)).status).toBe(410);
      expect((await t.http.get(`/ar/${orderA.portrait.slug}/video`)).status).toBe(404);
    } finally {
      t.clock.set(new Date());
    }
  });

  it('fails a stale processing order whose job is gone (restart mid-job), and retry re-queues it', async () => {
    const id = randomUUID();
    await t.db.query(
      `INSERT INTO orders (id, company_id, portrait_id, video_id, status, attempts, job_id, updated_at)
       VALUES ($1, $2, $3, NULL, 'processing', 1, $4, now() - interval '2 hours')`,
      [id, companyA, orderA.portrait.id, randomUUID()],
    );
    const result = await t.app.get(OrderProcessingService).sweep();
    expect(result.failed).toBeGreaterThanOrEqual(1);
    const order = await t.http.get(`/api/v1/companies/${companyA}/orders/${id}`).set(a.auth);
    expect(order.body).toMatchObject({ status: 'failed', failureReason: expect.stringContaining('interrupted') });
    const retry = await t.http.post(`/api/v1/companies/${companyA}/orders/${id}/retry`).set(a.auth);
    expect(retry.status).toBe(202);
    expect(retry.body.status).toBe('processing');
    expect((await t.http.post(`/api/v1/companies/${companyA}/orders/${id}/retry`).set(a.auth)).status).toBe(409);
    const done = await waitFor(async () => {
      const got = await t.http.get(`/api/v1/companies/${companyA}/orders/${id}`).set(a.auth);
      return got.body.status !== 'processing' ? got.body : null;
    }, 90_000);
    expect(done.status).toBe('ready');
  }, 120_000);

  it('deletes a portrait with its stored files and rows', async () => {
    const prefix = `companies/${companyA}/portraits/${orderA.portrait.id}/`;
    expect(storedFiles(t).some((path) => path.includes(prefix))).toBe(true);
    const res = await t.http.delete(`/api/v1/companies/${companyA}/portraits/${orderA.portrait.id}`).set(a.auth);
    expect(res.status).toBe(204);
    expect(storedFiles(t).filter((path) => path.includes(prefix))).toEqual([]);
    const rows = (await t.db.query(
      `SELECT (SELECT count(*) FROM portraits WHERE id = $1)::int AS p, (SELECT count(*) FROM videos WHERE portrait_id = $1)::int AS v`,
      [orderA.portrait.id],
    )) as Array<{ p: number; v: number }>;
    expect(rows[0]).toEqual({ p: 0, v: 0 });
    expect((await t.http.get(`/api/v1/mobile/ar/${orderA.portrait.slug}`)).status).toBe(404);
    expect(existsSync(t.config.storage.root)).toBe(true);
  });
});
