import { randomBytes, randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { inject } from 'vitest';
import { redisServerInstalled, startPrivateRedis } from './support/redis';
import { login, makeUser, strongPassword } from './support/factories';
import { createTestApp, type TestApp, type TestAppOptions } from './support/test-app';

const LOGIN = '/api/v1/auth/login';
const WRONG_PASSWORD = 'Wrong-password-123';

const unique = (): string => randomBytes(4).toString('hex');

/** Apps made by a test; closed after it even when an assertion fails. */
const openApps: TestApp[] = [];
async function app(env: TestAppOptions['env'], options: Omit<TestAppOptions, 'env'> = {}): Promise<TestApp> {
  const t = await createTestApp({ ...options, env });
  openApps.push(t);
  return t;
}
afterEach(async () => {
  const apps = openApps.splice(0);
  // Instances sharing a database: close the one owning it last.
  for (const t of apps.reverse()) await t.close();
});

function expectRateLimited(res: Response): void {
  expect(res.status, JSON.stringify(res.body)).toBe(429);
  expect(res.headers['content-type']).toMatch(/application\/json/);
  expect(res.body).toMatchObject({ statusCode: 429, error: 'RATE_LIMITED' });
  expect(typeof res.body.requestId).toBe('string');
  expect(res.body.requestId).not.toBe('');
  expect(res.body.requestId).toBe(res.headers['x-request-id']);
  const retryAfter = res.headers['retry-after'];
  expect(retryAfter).toMatch(/^[0-9]+$/);
  expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  expect(Number(retryAfter)).toBeLessThanOrEqual(60);
  // Only the standard header: no per-throttler variants such as Retry-After-global.
  expect(Object.keys(res.headers).filter((name) => name.startsWith('retry-after'))).toEqual(['retry-after']);
}

function loginAttempt(t: TestApp, email: string, password = WRONG_PASSWORD, forwardedFor?: string) {
  const req = t.http.post(LOGIN);
  if (forwardedFor !== undefined) req.set('X-Forwarded-For', forwardedFor);
  return req.send({ email, password });
}

/** A different, public-looking client address each call. */
let addressCounter = 0;
const nextAddress = (): string => {
  addressCounter++;
  return `203.0.${Math.floor(addressCounter / 250) % 250}.${(addressCounter % 250) + 1}`;
};

describe('rate limiting', () => {
  it('applies the global limit as one budget per client across all routes', async () => {
    const t = await app({ GLOBAL_RATE_LIMIT: '100/minute' });
    const id = randomUUID();
    const routes: Array<() => ReturnType<TestApp['http']['get']>> = [
      () => t.http.get('/api/v1/auth/me'),
      () => t.http.get('/api/v1/users'),
      () => t.http.get(`/api/v1/users/${id}`),
      () => t.http.post('/api/v1/auth/logout'),
    ];
    for (let i = 0; i < 100; i++) {
      const res = await routes[i % routes.length]();
      expect(res.status, `request ${i + 1}`).toBe(401);
      expect(res.headers['x-ratelimit-limit']).toBe('100');
      expect(res.headers['x-ratelimit-remaining']).toBe(String(99 - i));
      expect(res.headers['retry-after']).toBeUndefined();
    }
    const blocked = await t.http.get('/api/v1/auth/me');
    expectRateLimited(blocked);
    expect(blocked.headers['x-ratelimit-remaining']).toBe('0');
    // Every route shares the spent budget, including the sign-in route.
    expectRateLimited(await t.http.get('/api/v1/users'));
    expectRateLimited(await loginAttempt(t, `nobody-${unique()}@example.com`));
    // Health probes are exempt.
    expect((await t.http.get('/health/live')).status).toBe(200);
  });

  it('gives the public viewer and its assets their own per-IP budget, apart from the API', async () => {
    const t = await app({ GLOBAL_RATE_LIMIT: '3/minute', VIEWER_RATE_LIMIT: '5/minute' });
    const slug = 'A'.repeat(22);
    const viewer = [`/ar/${slug}`, `/ar/${slug}/target.mind`, `/ar/${slug}/poster.webp`, `/ar/${slug}/video`, `/ar/${slug}`];
    for (const path of viewer) expect((await t.http.get(path)).status, path).toBe(404);
    // Five viewer requests did not touch the API budget ...
    for (let i = 0; i < 3; i++) expect((await t.http.get('/api/v1/auth/me')).status).toBe(401);
    expectRateLimited(await t.http.get('/api/v1/auth/me'));
    // ... and the viewer budget is spent on its own.
    expectRateLimited(await t.http.get(`/ar/${slug}`));
  });

  it('charges requests to paths no route matches to the same global budget', async () => {
    const t = await app({ GLOBAL_RATE_LIMIT: '6/minute' });
    for (let i = 0; i < 3; i++) expect((await t.http.get(`/no-such-path-${i}`)).status).toBe(404);
    for (let i = 0; i < 3; i++) expect((await t.http.get('/api/v1/auth/me')).status).toBe(401);
    // Budget spent by a mix of matched and unmatched paths: both kinds are refused now.
    expectRateLimited(await t.http.get('/still-no-such-path'));
    expectRateLimited(await t.http.get('/api/v1/auth/me'));
  });

  it('limits sign-in attempts per client: the 6th within a minute gets 429', async () => {
    const t = await app({ AUTH_RATE_LIMIT: '5/minute' });
    for (let i = 0; i < 5; i++) {
      const res = await loginAttempt(t, `nobody-${unique()}@example.com`);
      expect(res.status, `attempt ${i + 1}`).toBe(401);
    }
    expectRateLimited(await loginAttempt(t, `nobody-${unique()}@example.com`));
  });

  it('limits sign-in attempts per account: the 6th for one e-mail gets 429', async () => {
    const t = await app({ AUTH_RATE_LIMIT: '5/minute', AUTH_MAX_ATTEMPTS: '100' });
    const user = await makeUser(t, { role: 'manager' });
    for (let i = 0; i < 5; i++) {
      const res = await loginAttempt(t, user.email);
      expect(res.status, `attempt ${i + 1}`).toBe(401);
    }
    // Even the right password waits until the window has passed.
    expectRateLimited(await loginAttempt(t, user.email, user.password));
  });

  it('ignores a spoofed X-Forwarded-For when no proxy is trusted (TRUST_PROXY_HOPS=0)', async () => {
    const t = await app({ AUTH_RATE_LIMIT: '5/minute', AUTH_MAX_ATTEMPTS: '100', TRUST_PROXY_HOPS: '0' });
    const user = await makeUser(t, { role: 'manager' });
    for (let i = 0; i < 5; i++) {
      const res = await loginAttempt(t, user.email, WRONG_PASSWORD, nextAddress());
      expect(res.status, `attempt ${i + 1}`).toBe(401);
    }
    expectRateLimited(await loginAttempt(t, user.email, WRONG_PASSWORD, nextAddress()));
    // The per-IP limit also holds: a new e-mail and a new forged address do not buy a fresh budget.
    expectRateLimited(await loginAttempt(t, `nobody-${unique()}@example.com`, WRONG_PASSWORD, nextAddress()));
  });

  it('keeps the per-account limit when every request comes from another client address (TRUST_PROXY_HOPS=1)', async () => {
    const t = await app({ AUTH_RATE_LIMIT: '5/minute', AUTH_MAX_ATTEMPTS: '100', TRUST_PROXY_HOPS: '1' });
    // Control: distinct addresses and distinct e-mails are distinct clients, so none of them is limited.
    for (let i = 0; i < 7; i++) {
      const res = await loginAttempt(t, `nobody-${unique()}@example.com`, WRONG_PASSWORD, nextAddress());
      expect(res.status, `control attempt ${i + 1}`).toBe(401);
    }
    const email = `admin-${unique()}@x.com`;
    const user = await makeUser(t, { role: 'admin', email, password: strongPassword() });
    const variants = [email, ` ${email.toUpperCase()}`, `${email} `, email.replace('admin', 'ADMIN'), `\t${email.toUpperCase()}\t`];
    for (const [i, variant] of variants.entries()) {
      const res = await loginAttempt(t, variant, WRONG_PASSWORD, nextAddress());
      expect(res.status, `attempt ${i + 1} (${JSON.stringify(variant)})`).toBe(401);
    }
    expectRateLimited(await loginAttempt(t, ` ${email.toUpperCase()}`, WRONG_PASSWORD, nextAddress()));
    expectRateLimited(await loginAttempt(t, user.email, user.password, nextAddress()));

    // The per-IP limit keys on the address the trusted proxy reports.
    const client = nextAddress();
    for (let i = 0; i < 5; i++) {
      const res = await loginAttempt(t, `nobody-${unique()}@example.com`, WRONG_PASSWORD, `${client}, 10.0.0.1`);
      expect(res.status, `same-address attempt ${i + 1}`).toBe(401);
    }
    expectRateLimited(await loginAttempt(t, `nobody-${unique()}@example.com`, WRONG_PASSWORD, `${client}, 10.0.0.1`));
  });

  const redisUrl = inject('redisUrl');

  it.skipIf(!redisUrl)('shares one budget between two instances using the same Redis', async () => {
    const env = { REDIS_URL: redisUrl!, REDIS_KEY_PREFIX: `test-${unique()}:`, GLOBAL_RATE_LIMIT: '10/minute' };
    const first = await app(env);
    const dbName = new URL(first.databaseUrl).pathname.slice(1);
    const second = await app(env, { databaseName: dbName });
    let last: Response | undefined;
    for (let i = 0; i < 5; i++) {
      expect((await first.http.get('/api/v1/auth/me')).status).toBe(401);
      last = await second.http.get('/api/v1/users');
      expect(last.status).toBe(401);
    }
    expect(last?.headers['x-ratelimit-remaining']).toBe('0');
    expectRateLimited(await first.http.get('/api/v1/auth/me'));
    expectRateLimited(await second.http.get('/api/v1/auth/me'));
  });

  it.skipIf(!redisServerInstalled())('fails closed on sign-in and open elsewhere when Redis stops', async () => {
    const redis = await startPrivateRedis();
    // Stop it only once: the helper's stop() waits for an 'exit' event that a killed child emits only once.
    let stopped: Promise<void> | null = null;
    const stopRedis = (): Promise<void> => (stopped ??= redis.stop());
    try {
      const t = await app({ REDIS_URL: redis.url, REDIS_KEY_PREFIX: `test-${unique()}:` });
      const user = await login(t, await makeUser(t, { role: 'admin' }));
      expect((await t.http.get('/api/v1/auth/me').set(user.auth)).status).toBe(200);

      await stopRedis();

      let started = Date.now();
      const res = await loginAttempt(t, user.email, user.password);
      const elapsed = Date.now() - started;
      expect(elapsed).toBeLessThan(2_000);
      expect([429, 503], JSON.stringify(res.body)).toContain(res.status);
      if (res.status === 503) {
        expect(res.body).toMatchObject({ statusCode: 503, error: 'RATE_LIMIT_UNAVAILABLE' });
        expect(res.headers['retry-after']).toMatch(/^[0-9]+$/);
      }

      started = Date.now();
      const me = await t.http.get('/api/v1/auth/me').set(user.auth);
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(me.status).toBe(200);

      // Still closed on the next attempt, and still quick.
      started = Date.now();
      const again = await loginAttempt(t, user.email, user.password);
      expect(Date.now() - started).toBeLessThan(2_000);
      expect([429, 503]).toContain(again.status);
    } finally {
      await stopRedis();
    }
  });

  it('never limits when RATE_LIMIT_ENABLED=false', async () => {
    const t = await app({
      RATE_LIMIT_ENABLED: 'false',
      GLOBAL_RATE_LIMIT: '3/minute',
      AUTH_RATE_LIMIT: '2/minute',
      AUTH_MAX_ATTEMPTS: '100',
    });
    for (let i = 0; i < 20; i++) {
      const res = await t.http.get('/api/v1/auth/me');
      expect(res.status).toBe(401);
      expect(res.headers['x-ratelimit-limit']).toBeUndefined();
    }
    for (let i = 0; i < 10; i++) {
      expect((await loginAttempt(t, 'same@example.com')).status).toBe(401);
    }
  });
});
