import { createTestApp, type TestApp } from './support/test-app';
import { login, loginAs, makeUser } from './support/factories';

describe('auth', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('logs in and returns the caller from /me', async () => {
    const admin = await loginAs(t, 'admin');
    const me = await t.http.get('/api/v1/auth/me').set(admin.auth);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: admin.id, email: admin.email, role: 'admin', companyId: null });
    expect(me.headers['cache-control']).toBe('no-store');
  });

  it('gives the same 401 for an unknown e-mail and a wrong password', async () => {
    const user = await makeUser(t, { role: 'manager' });
    const unknown = await t.http.post('/api/v1/auth/login').send({ email: 'nobody@example.com', password: 'Wrong-password-123' });
    const wrong = await t.http.post('/api/v1/auth/login').send({ email: user.email, password: 'Wrong-password-123' });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    const strip = (body: Record<string, unknown>) => ({ ...body, requestId: undefined });
    expect(strip(unknown.body)).toEqual(strip(wrong.body));
    await login(t, user);
  });
});
