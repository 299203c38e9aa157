import { randomBytes, randomUUID } from 'node:crypto';
import { knownSecrets } from './support/test-app';
import { loginAs, makeUser, strongPassword, type SignedIn } from './support/factories';
import { parseExposition, sampleValue, type PromSample } from './support/prometheus';
import { createTestApp, type TestApp } from './support/test-app';

const TOKEN = randomBytes(24).toString('base64url');
knownSecrets.add(TOKEN);

describe('GET /metrics', () => {
  let t: TestApp;
  let admin: SignedIn;

  async function scrape(): Promise<{ text: string; samples: PromSample[] }> {
    const response = await t.http.get('/metrics').set('Authorization', `Bearer ${TOKEN}`);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain;.*version=0\.0\.4/);
    return { text: response.text, samples: parseExposition(response.text) };
  }

  beforeAll(async () => {
    t = await createTestApp({ env: { METRICS_TOKEN: TOKEN, AUTH_MAX_ATTEMPTS: '2', GLOBAL_RATE_LIMIT: '40/minute' } });
    admin = await loginAs(t, 'admin');
  });
  afterAll(async () => {
    await t?.close();
  });

  it.each([
    ['no Authorization header', undefined],
    ['a wrong token', `Bearer ${randomBytes(24).toString('base64url')}`],
    ['a token of another length', 'Bearer short'],
    ['an admin access token', 'admin'],
    ['the token as Basic auth', `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`],
  ])('answers 401 JSON with %s', async (_label, header) => {
    let request = t.http.get('/metrics');
    if (header) request = request.set('Authorization', header === 'admin' ? admin.auth.Authorization : header);
    const response = await request;
    expect(response.status).toBe(401);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.headers['www-authenticate']).toBe('Bearer');
    expect(response.body).toMatchObject({ statusCode: 401, error: 'UNAUTHORIZED', requestId: response.headers['x-request-id'] });
    expect(response.text).not.toContain('http_request_duration_seconds');
  });

  it('is not rate-limited and not in the OpenAPI document', async () => {
    for (let i = 0; i < 3; i += 1) await scrape();
    const docs = await t.http.get('/api/docs-json');
    expect(docs.status).toBe(200);
    expect(Object.keys(docs.body.paths as object)).not.toContain('/metrics');
  });

  it('serves the process metrics and the application metrics', async () => {
    const { samples } = await scrape();
    const names = new Set(samples.map((sample) => sample.name));
    for (const name of ['process_cpu_user_seconds_total', 'nodejs_heap_size_used_bytes', 'app_info', 'auth_lockouts_total']) {
      expect(names, name).toContain(name);
    }
    expect(sampleValue(samples, 'app_info', { version: t.config.app.version, role: 'all' })).toBe(1);
    expect(sampleValue(samples, 'rate_limited_requests_total', { throttler: 'global' })).toBe(0);
  });

  it('reads the outbox, job and backup gauges from the database at scrape time', async () => {
    const before = (await scrape()).samples;
    await t.db.query(
      `INSERT INTO mail_outbox ("to", subject, html, text, status, attempts) VALUES ('a@example.com', 's', '<p>h</p>', 'h', 'failed', 5)`,
    );
    const { text, samples: after } = await scrape();
    expect(sampleValue(after, 'mail_outbox_depth', { status: 'failed' })).toBe(
      sampleValue(before, 'mail_outbox_depth', { status: 'failed' }) + 1,
    );
    for (const family of ['jobs', 'jobs_oldest_waiting_seconds', 'backup_newest_age_seconds']) expect(text).toContain(`# HELP ${family} `);
  });

  it('counts requests by route template, login failures and lockouts', async () => {
    const before = (await scrape()).samples;
    const missingId = randomUUID();
    const unknownPath = `/no-such-route-${randomBytes(4).toString('hex')}`;

    expect((await t.http.get(`/api/v1/users/${missingId}`).set(admin.auth)).status).toBe(404);
    expect((await t.http.get('/api/v1/auth/me').set(admin.auth)).status).toBe(200);
    expect((await t.http.get(unknownPath)).status).toBe(404);
    const victim = await makeUser(t, { role: 'manager' });
    const wrong = strongPassword();
    expect((await t.http.post('/api/v1/auth/login').send({ email: victim.email, password: wrong })).status).toBe(401);
    expect((await t.http.post('/api/v1/auth/login').send({ email: victim.email, password: wrong })).status).toBe(423);
    expect((await t.http.post('/api/v1/auth/login').send({ email: `nobody-${randomUUID()}@example.com`, password: wrong })).status).toBe(
      401,
    );

    const { text, samples: after } = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}): number =>
      sampleValue(after, name, labels) - sampleValue(before, name, labels);

    expect(delta('http_request_duration_seconds_count', { method: 'GET', route: '/api/v1/users/:id', status_code: '404' })).toBe(1);
    expect(delta('http_request_duration_seconds_count', { method: 'GET', route: '/api/v1/auth/me', status_code: '200' })).toBe(1);
    expect(delta('http_request_duration_seconds_count', { method: 'GET', route: 'unmatched', status_code: '404' })).toBe(1);
    expect(delta('http_request_duration_seconds_count', { method: 'POST', route: '/api/v1/auth/login', status_code: '423' })).toBe(1);
    expect(delta('http_request_duration_seconds_count', { method: 'POST', route: '/api/v1/auth/login', status_code: '401' })).toBe(2);
    expect(delta('http_request_duration_seconds_bucket', { route: '/api/v1/users/:id', status_code: '404', le: '+Inf' })).toBe(1);
    expect(delta('http_request_duration_seconds_sum', { route: '/api/v1/users/:id' })).toBeGreaterThan(0);

    expect(delta('auth_login_failures_total', { reason: 'wrong_password' })).toBe(2);
    expect(delta('auth_login_failures_total', { reason: 'unknown_email' })).toBe(1);
    expect(delta('auth_lockouts_total')).toBe(1);

    // Route labels are templates: no raw id, no unknown path, no e-mail in the exposition.
    expect(text).not.toContain(missingId);
    expect(text).not.toContain(unknownPath);
    expect(text).not.toContain(victim.email);
    const routes = new Set(after.filter((s) => s.name === 'http_request_duration_seconds_count').map((s) => s.labels.route));
    for (const route of routes) expect(route, route).toMatch(/^(unmatched|\/[A-Za-z0-9/_:{}*.-]*)$/);
    for (const route of routes) expect(route, route).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
  });

  it('counts throttled requests by throttler', async () => {
    const before = (await scrape()).samples;
    let status = 0;
    for (let i = 0; i < 60 && status !== 429; i += 1) status = (await t.http.get('/api/v1/auth/me').set(admin.auth)).status;
    expect(status).toBe(429);
    const after = (await scrape()).samples;
    const delta = (name: string, labels: Record<string, string>): number =>
      sampleValue(after, name, labels) - sampleValue(before, name, labels);
    expect(delta('rate_limited_requests_total', { throttler: 'global' })).toBe(1);
    expect(delta('http_request_duration_seconds_count', { route: '/api/v1/auth/me', status_code: '429' })).toBe(1);
  });
});

describe('GET /metrics without METRICS_TOKEN', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers 404 (metrics disabled), with or without a token', async () => {
    for (const header of [undefined, `Bearer ${TOKEN}`]) {
      const response = header ? await t.http.get('/metrics').set('Authorization', header) : await t.http.get('/metrics');
      expect(response.status).toBe(404);
      expect(response.body).toMatchObject({ statusCode: 404, error: 'NOT_FOUND' });
      expect(response.text).not.toContain('process_cpu');
    }
  });
});
