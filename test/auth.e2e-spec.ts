import { createHmac, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { createTestApp, TEST_JWT_SECRET, type TestApp } from './support/test-app';
import { login, loginAs, makeUser, strongPassword, type SignedIn } from './support/factories';

const b64 = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');

function forge(header: object, payload: object, secret = TEST_JWT_SECRET): string {
  const unsigned = `${b64(header)}.${b64(payload)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

describe('auth: sign-in, tokens, sessions', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const me = (token: string) => t.http.get('/api/v1/auth/me').set('Authorization', `Bearer ${token}`);

  it('logs in and returns the caller from /me with no-store caching', async () => {
    const admin = await loginAs(t, 'admin');
    const response = await me(admin.accessToken);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ id: admin.id, email: admin.email, role: 'admin', companyId: null });
    expect(response.body.lastLoginAt).toEqual(expect.any(String));
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('gives the same 401 for an unknown e-mail and a wrong password, with similar timing', async () => {
    const user = await makeUser(t, { role: 'manager' });
    const timings = { unknown: [] as number[], wrong: [] as number[] };
    let unknownBody: unknown;
    let wrongBody: unknown;
    for (let i = 0; i < 6; i++) {
      const started = performance.now();
      const unknown = await t.http.post('/api/v1/auth/login').send({ email: `nobody${i}@example.com`, password: 'Wrong-password-123' });
      timings.unknown.push(performance.now() - started);
      const wrongStart = performance.now();
      const wrong = await t.http.post('/api/v1/auth/login').send({ email: user.email, password: `Wrong-password-${i}` });
      timings.wrong.push(performance.now() - wrongStart);
      expect(unknown.status).toBe(401);
      expect(wrong.status).toBe(401);
      unknownBody = { ...unknown.body, requestId: undefined };
      wrongBody = { ...wrong.body, requestId: undefined };
      if (i === 2) await login(t, user); // reset the failure counter before the lockout threshold
    }
    expect(unknownBody).toEqual(wrongBody);
    expect(unknownBody).toMatchObject({ statusCode: 401, error: 'INVALID_CREDENTIALS' });
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    const ratio = median(timings.unknown) / median(timings.wrong);
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });

  describe('access tokens', () => {
    let user: SignedIn;
    let claims: jwt.JwtPayload;
    beforeAll(async () => {
      user = await loginAs(t, 'manager');
      claims = jwt.decode(user.accessToken) as jwt.JwtPayload;
    });

    it('carries the pinned algorithm, type, issuer, audience and session', () => {
      const header = jwt.decode(user.accessToken, { complete: true })!.header;
      expect(header).toMatchObject({ alg: 'HS256', typ: 'at+jwt' });
      expect(claims).toMatchObject({ iss: 'vertex-ar', aud: 'vertex-ar-api', sub: user.id, role: 'manager', companyId: user.companyId });
      expect(claims.exp! - claims.iat!).toBe(30 * 60);
      expect(claims.sid).toEqual(expect.any(String));
      expect(claims.jti).toEqual(expect.any(String));
    });

    it('accepts the real token', async () => {
      expect((await me(user.accessToken)).status).toBe(200);
    });

    const cases: Array<[string, () => string]> = [
      ['alg none', () => `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(claims)}.`],
      ['another key', () => forge({ alg: 'HS256', typ: 'at+jwt' }, claims, 'another-secret-of-sufficient-length-0000')],
      [
        'tampered payload',
        () => {
          const [h, , s] = user.accessToken.split('.');
          return `${h}.${b64({ ...claims, role: 'admin' })}.${s}`;
        },
      ],
      ['stripped signature', () => user.accessToken.split('.').slice(0, 2).join('.') + '.'],
      ['expired', () => forge({ alg: 'HS256', typ: 'at+jwt' }, { ...claims, iat: claims.iat! - 7200, exp: claims.iat! - 3600 })],
      ['wrong audience', () => forge({ alg: 'HS256', typ: 'at+jwt' }, { ...claims, aud: 'someone-else' })],
      ['wrong issuer', () => forge({ alg: 'HS256', typ: 'at+jwt' }, { ...claims, iss: 'evil' })],
      ['wrong typ', () => forge({ alg: 'HS256', typ: 'JWT' }, claims)],
      ['unknown session', () => forge({ alg: 'HS256', typ: 'at+jwt' }, { ...claims, sid: randomUUID() })],
      ['RS256 header', () => forge({ alg: 'RS256', typ: 'at+jwt' }, claims)],
      [
        'jku / kid injection',
        () => forge({ alg: 'HS256', typ: 'at+jwt', kid: "' OR 1=1--", jku: 'http://169.254.169.254/' }, { ...claims, role: 'admin' }),
      ],
      ['10 KB token', () => forge({ alg: 'HS256', typ: 'at+jwt' }, { ...claims, pad: 'x'.repeat(10_000) })],
    ];
    it.each(cases)('rejects %s with 401', async (_name, make) => {
      const response = await me(make());
      expect(response.status).toBe(401);
      expect(response.body).toMatchObject({ error: 'UNAUTHORIZED', requestId: expect.any(String) });
    });

    it('rejects a refresh token used as an access token', async () => {
      expect((await me(user.refreshToken)).status).toBe(401);
    });

    it('refuses tokens in the query string even with a valid header', async () => {
      for (const name of ['token', 'access_token']) {
        const response = await t.http.get(`/api/v1/auth/me?${name}=${user.accessToken}`).set(user.auth);
        expect(response.status).toBe(401);
      }
    });

    it('stops accepting a token once the role changes', async () => {
      const other = await loginAs(t, 'viewer');
      await t.db.query(`UPDATE users SET role = 'manager' WHERE id = $1`, [other.id]);
      expect((await me(other.accessToken)).status).toBe(401);
    });
  });

  describe('refresh and logout', () => {
    it('rotates the refresh token; reuse revokes the whole family', async () => {
      const user = await loginAs(t, 'manager');
      const first = await t.http.post('/api/v1/auth/refresh').send({ refreshToken: user.refreshToken });
      expect(first.status).toBe(200);
      expect(first.body.refreshToken).not.toBe(user.refreshToken);
      const reuse = await t.http.post('/api/v1/auth/refresh').send({ refreshToken: user.refreshToken });
      expect(reuse.status).toBe(401);
      // the family is revoked: the newest refresh token and the access tokens stop working
      const next = await t.http.post('/api/v1/auth/refresh').send({ refreshToken: first.body.refreshToken });
      expect(next.status).toBe(401);
      expect((await me(first.body.accessToken)).status).toBe(401);
      const audit = await t.db.query(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'auth.refresh_reuse'`);
      expect(audit[0].n).toBeGreaterThanOrEqual(1);
    });

    it('logout makes both tokens unusable', async () => {
      const user = await loginAs(t, 'viewer');
      expect((await t.http.post('/api/v1/auth/logout').set(user.auth)).status).toBe(204);
      expect((await me(user.accessToken)).status).toBe(401);
      expect((await t.http.post('/api/v1/auth/refresh').send({ refreshToken: user.refreshToken })).status).toBe(401);
    });

    it('an expired refresh token is refused', async () => {
      const user = await loginAs(t, 'viewer');
      t.clock.advance(15 * 86_400_000);
      try {
        expect((await t.http.post('/api/v1/auth/refresh').send({ refreshToken: user.refreshToken })).status).toBe(401);
      } finally {
        t.clock.advance(-15 * 86_400_000);
      }
    });
  });

  describe('change password', () => {
    it('needs the current password, applies the policy and revokes other sessions', async () => {
      const user = await makeUser(t, { role: 'manager' });
      const sessionA = await login(t, user);
      const sessionB = await login(t, user);
      const wrong = await t.http
        .post('/api/v1/auth/change-password')
        .set(sessionA.auth)
        .send({ currentPassword: 'Not-the-password-1', newPassword: strongPassword() });
      expect(wrong.status).toBe(400);
      expect(wrong.body.error).toBe('INVALID_CURRENT_PASSWORD');
      const weak = await t.http
        .post('/api/v1/auth/change-password')
        .set(sessionA.auth)
        .send({ currentPassword: user.password, newPassword: 'password1234' });
      expect(weak.status).toBe(400);
      const newPassword = strongPassword();
      const ok = await t.http.post('/api/v1/auth/change-password').set(sessionA.auth).send({ currentPassword: user.password, newPassword });
      expect(ok.status).toBe(204);
      expect((await me(sessionA.accessToken)).status).toBe(200);
      expect((await me(sessionB.accessToken)).status).toBe(401);
      expect((await t.http.post('/api/v1/auth/refresh').send({ refreshToken: sessionB.refreshToken })).status).toBe(401);
      await login(t, { ...user, password: newPassword });
    });
  });
});

describe('auth: lockout', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { TRUST_PROXY_HOPS: '1' } });
  });
  afterAll(async () => {
    await t.close();
  });

  const attempt = (email: string, password: string, ip: string) =>
    t.http.post('/api/v1/auth/login').set('X-Forwarded-For', ip).send({ email, password });

  it('locks after 5 failures across IPs, also for the right password, and unlocks after the window', async () => {
    const user = await makeUser(t, { role: 'manager' });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await attempt(user.email, `Wrong-password-${i}`, `198.51.100.${i + 1}`)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 423]);

    const locked = await attempt(user.email, user.password, '203.0.113.9');
    expect(locked.status).toBe(423);
    expect(locked.body).toMatchObject({ error: 'ACCOUNT_LOCKED', requestId: expect.any(String) });
    const retryAfter = Number(locked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(14 * 60);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);

    t.clock.advance(14 * 60_000);
    expect((await attempt(user.email, user.password, '203.0.113.9')).status).toBe(423);
    t.clock.advance(61_000);
    expect((await attempt(user.email, user.password, '203.0.113.9')).status).toBe(200);

    const events = (await t.db.query(`SELECT action FROM audit_events WHERE target_id = $1 ORDER BY occurred_at`, [user.id])) as Array<{
      action: string;
    }>;
    expect(events.map((e) => e.action)).toContain('auth.account_locked');
  });

  it('a success resets the counter', async () => {
    const user = await makeUser(t, { role: 'viewer' });
    for (let i = 0; i < 4; i++) expect((await attempt(user.email, `Wrong-password-${i}`, '192.0.2.1')).status).toBe(401);
    expect((await attempt(user.email, user.password, '192.0.2.1')).status).toBe(200);
    for (let i = 0; i < 4; i++) expect((await attempt(user.email, `Wrong-password-${i}`, '192.0.2.1')).status).toBe(401);
    expect((await attempt(user.email, user.password, '192.0.2.1')).status).toBe(200);
  });

  it('a disabled account answers like a wrong password', async () => {
    const user = await makeUser(t, { role: 'viewer', isActive: false });
    const response = await attempt(user.email, user.password, '192.0.2.2');
    expect(response.status).toBe(401);
    expect(response.body.error).toBe('INVALID_CREDENTIALS');
  });
});
