import { randomUUID } from 'node:crypto';
import { createTestApp, type TestApp } from './support/test-app';
import { login, loginAs, makeCompany, makeUser, strongPassword, type SignedIn } from './support/factories';

describe('users (admin)', () => {
  let t: TestApp;
  let admin: SignedIn;
  beforeAll(async () => {
    t = await createTestApp();
    admin = await loginAs(t, 'admin');
  });
  afterAll(async () => {
    await t.close();
  });

  it('creates a manager bound to a company and never returns the hash', async () => {
    const company = await makeCompany(t);
    const password = strongPassword();
    const response = await t.http
      .post('/api/v1/users')
      .set(admin.auth)
      .send({ email: '  New.Manager@Example.com ', fullName: 'New Manager', role: 'manager', companyId: company.id, password });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      email: 'new.manager@example.com',
      role: 'manager',
      companyId: company.id,
      isActive: true,
      isLocked: false,
    });
    expect(JSON.stringify(response.body)).not.toMatch(/argon2|passwordHash|password/);
    const rows = await t.db.query(`SELECT password_hash FROM users WHERE id = $1`, [response.body.id]);
    const hash = rows[0].password_hash as string;
    expect(hash).toMatch(/^\$argon2id\$v=19\$/);
    const params = Object.fromEntries(
      hash
        .split('$')[3]
        .split(',')
        .map((pair) => pair.split('=')),
    );
    expect(params).toEqual({ m: '19456', t: '2', p: '1' });
    await login(t, { id: response.body.id, email: 'new.manager@example.com', password, role: 'manager', companyId: company.id });
  });

  it.each([
    ['duplicate e-mail', async () => ({ email: admin.email, role: 'admin' }), 409],
    ['manager without company', async () => ({ role: 'manager' }), 400],
    ['admin with company', async () => ({ role: 'admin', companyId: (await makeCompany(t)).id }), 400],
    ['unknown company', async () => ({ role: 'viewer', companyId: randomUUID() }), 400],
    ['weak password', async () => ({ role: 'admin', password: 'password1234' }), 400],
    ['password equal to the e-mail', async () => ({ role: 'admin', email: 'same1234@example.com', password: 'same1234@example.com' }), 400],
    ['129-character password', async () => ({ role: 'admin', password: `a1${'x'.repeat(127)}` }), 400],
    ['unknown role', async () => ({ role: 'root' }), 400],
    ['homoglyph e-mail', async () => ({ role: 'admin', email: 'аdmin@example.com' }), 400],
  ])('refuses %s', async (_name, build, status) => {
    const before = await t.db.query(`SELECT count(*)::int AS n FROM users`);
    const body = { email: `u-${randomUUID().slice(0, 8)}@example.com`, fullName: 'X', password: strongPassword(), ...(await build()) };
    const response = await t.http.post('/api/v1/users').set(admin.auth).send(body);
    expect(response.status).toBe(status);
    expect(response.body.requestId).toEqual(expect.any(String));
    const after = await t.db.query(`SELECT count(*)::int AS n FROM users`);
    expect(after[0].n).toBe(before[0].n);
  });

  it('accepts a 64- and a 128-character password', async () => {
    for (const length of [64, 128]) {
      const password = `9a${'Zq'.repeat(length)}`.slice(0, length);
      const response = await t.http
        .post('/api/v1/users')
        .set(admin.auth)
        .send({ email: `len${length}@example.com`, fullName: 'Long', role: 'admin', password });
      expect(response.status).toBe(201);
    }
  });

  it('lists with pagination, filters and allowlisted sorting', async () => {
    const company = await makeCompany(t);
    for (let i = 0; i < 3; i++) await makeUser(t, { role: 'viewer', companyId: company.id });
    const page = await t.http.get(`/api/v1/users?companyId=${company.id}&limit=2&page=1&sort=-email`).set(admin.auth);
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ total: 3, page: 1, limit: 2 });
    expect(page.body.items).toHaveLength(2);
    expect(page.body.items[0].email > page.body.items[1].email).toBe(true);
    for (const bad of [
      'sort=passwordHash',
      'sort=constructor',
      'sort=toString',
      'sort=(CASE WHEN 1=1 THEN id END)',
      'sort=name;DROP',
      'limit=101',
      'limit=-1',
      'page=0',
      'limit=1.5',
      'page=1&page=2',
      'role=root',
    ]) {
      const response = await t.http.get(`/api/v1/users?${bad}`).set(admin.auth);
      expect(response.status, bad).toBe(400);
    }
    const search = await t.http.get(`/api/v1/users?search=${encodeURIComponent("' OR '1'='1")}`).set(admin.auth);
    expect(search.status).toBe(200);
    expect(search.body.total).toBe(0);
  });

  it('disabling, role change and password reset end the user’s sessions', async () => {
    for (const change of [{ isActive: false }, { role: 'admin', companyId: null }, { password: strongPassword() }]) {
      const user = await loginAs(t, 'manager');
      const response = await t.http.patch(`/api/v1/users/${user.id}`).set(admin.auth).send(change);
      expect(response.status, JSON.stringify(change)).toBe(200);
      expect((await t.http.get('/api/v1/auth/me').set(user.auth)).status).toBe(401);
    }
  });

  it('refuses null for non-nullable fields and unknown fields', async () => {
    const user = await makeUser(t, { role: 'viewer' });
    for (const body of [{ fullName: null }, { isActive: null }, { isAdmin: true }, { role: 'admin', companyId: null, extra: 1 }]) {
      expect((await t.http.patch(`/api/v1/users/${user.id}`).set(admin.auth).send(body)).status).toBe(400);
    }
  });

  it('admin can end all sessions of a user', async () => {
    const user = await loginAs(t, 'viewer');
    const response = await t.http.post(`/api/v1/users/${user.id}/revoke-sessions`).set(admin.auth);
    expect(response.status).toBe(200);
    expect(response.body.revoked).toBe(1);
    expect((await t.http.get('/api/v1/auth/me').set(user.auth)).status).toBe(401);
  });

  it('protects the last admin and the caller’s own account', async () => {
    const solo = await createTestApp();
    try {
      const only = await loginAs(solo, 'admin');
      expect((await solo.http.delete(`/api/v1/users/${only.id}`).set(only.auth)).status).toBe(409);
      expect((await solo.http.patch(`/api/v1/users/${only.id}`).set(only.auth).send({ isActive: false })).status).toBe(409);
      expect(
        (
          await solo.http
            .patch(`/api/v1/users/${only.id}`)
            .set(only.auth)
            .send({ role: 'viewer', companyId: (await makeCompany(solo)).id })
        ).status,
      ).toBe(409);
    } finally {
      await solo.close();
    }
  });

  it('get/patch/delete answer 404 for unknown ids and 400 for non-UUIDs', async () => {
    const id = randomUUID();
    expect((await t.http.get(`/api/v1/users/${id}`).set(admin.auth)).status).toBe(404);
    expect((await t.http.patch(`/api/v1/users/${id}`).set(admin.auth).send({ fullName: 'x' })).status).toBe(404);
    expect((await t.http.delete(`/api/v1/users/${id}`).set(admin.auth)).status).toBe(404);
    expect((await t.http.get('/api/v1/users/not-a-uuid').set(admin.auth)).status).toBe(400);
    expect((await t.http.get('/api/v1/users/..%2f..%2fetc').set(admin.auth)).status).toBe(400);
  });

  it('deletes a user and audits every change with actor, ip and request id', async () => {
    const user = await makeUser(t, { role: 'viewer' });
    const response = await t.http.delete(`/api/v1/users/${user.id}`).set(admin.auth).set('X-Request-ID', 'audit-check-0001');
    expect(response.status).toBe(204);
    const audit = await t.http.get(`/api/v1/audit-events?action=user.deleted&targetId=${user.id}`).set(admin.auth);
    expect(audit.status).toBe(200);
    expect(audit.body.total).toBe(1);
    expect(audit.body.items[0]).toMatchObject({
      actorUserId: admin.id,
      requestId: 'audit-check-0001',
      outcome: 'success',
      ip: expect.any(String),
    });
    const logins = await t.http.get('/api/v1/audit-events?action=auth.login&outcome=failure&limit=5&sort=-occurredAt').set(admin.auth);
    expect(logins.status).toBe(200);
    const bad = await t.http.get('/api/v1/audit-events?from=yesterday').set(admin.auth);
    expect(bad.status).toBe(400);
  });
});
