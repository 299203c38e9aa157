import { loginAs, type SignedIn } from './support/factories';
import { createTestApp, knownSecrets, type TestApp } from './support/test-app';
import { SmtpHostGuard } from '../src/mail/smtp-host-guard';

const SMTP_PASSWORD = 'smtp-Secret-Pa55word-9f2c1';
knownSecrets.add(SMTP_PASSWORD);

const validSettings = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  host: 'smtp.example.com',
  port: 587,
  security: 'starttls',
  username: 'mailer@example.com',
  password: SMTP_PASSWORD,
  fromAddress: 'no-reply@studio.example',
  fromName: 'Vertex AR',
  enabled: true,
  ...overrides,
});

const MAIL_ROUTES: Array<[method: 'get' | 'put' | 'post', path: string]> = [
  ['get', '/api/v1/mail/settings'],
  ['put', '/api/v1/mail/settings'],
  ['post', '/api/v1/mail/test'],
  ['get', '/api/v1/mail/templates'],
  ['get', '/api/v1/mail/templates/order-ready'],
  ['put', '/api/v1/mail/templates/order-ready'],
  ['post', '/api/v1/mail/templates/order-ready/preview'],
  ['get', '/api/v1/mail/outbox'],
];

describe('mail settings and templates', () => {
  let t: TestApp;
  let admin: SignedIn;

  beforeAll(async () => {
    t = await createTestApp({ env: { MAIL_ALLOW_PRIVATE_HOSTS: 'true' } });
    admin = await loginAs(t, 'admin');
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('settings', () => {
    it('starts unconfigured', async () => {
      const response = await t.http.get('/api/v1/mail/settings').set(admin.auth);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ configured: false, hasPassword: false, host: null });
    });

    it('stores the password encrypted and never returns it', async () => {
      const put = await t.http.put('/api/v1/mail/settings').set(admin.auth).send(validSettings());
      expect(put.status).toBe(200);
      expect(put.body).toMatchObject({ configured: true, host: 'smtp.example.com', port: 587, hasPassword: true, enabled: true });
      expect(put.text).not.toContain(SMTP_PASSWORD);
      expect(put.body).not.toHaveProperty('password');
      const get = await t.http.get('/api/v1/mail/settings').set(admin.auth);
      expect(get.text).not.toContain(SMTP_PASSWORD);
      expect(get.body.hasPassword).toBe(true);

      const [row] = (await t.db.query(`SELECT id, password_encrypted FROM mail_settings`)) as Array<{
        id: string;
        password_encrypted: string;
      }>;
      expect(row.password_encrypted).toMatch(/^v1\./);
      expect(row.password_encrypted).not.toContain(SMTP_PASSWORD);

      // Omitting the password keeps it; null removes it.
      const keep = await t.http
        .put('/api/v1/mail/settings')
        .set(admin.auth)
        .send(validSettings({ password: undefined, port: 2525 }));
      expect(keep.body).toMatchObject({ port: 2525, hasPassword: true });
      const [kept] = (await t.db.query(`SELECT password_encrypted FROM mail_settings`)) as Array<{ password_encrypted: string }>;
      expect(kept.password_encrypted).toBe(row.password_encrypted);
      const cleared = await t.http
        .put('/api/v1/mail/settings')
        .set(admin.auth)
        .send(validSettings({ password: null }));
      expect(cleared.body.hasPassword).toBe(false);
      await t.http.put('/api/v1/mail/settings').set(admin.auth).send(validSettings());
      expect((await t.db.query(`SELECT count(*)::int AS n FROM mail_settings`))[0].n).toBe(1);
      expect(t.logs.text()).not.toContain(SMTP_PASSWORD);
    });

    it.each([
      ['host', ''],
      ['host', 'a'.repeat(254)],
      ['host', 'bad host'],
      ['host', 'smtp.example.com:25'],
      ['host', '-smtp.example.com'],
      ['host', 'smtp..example.com'],
      ['host', 'http://smtp.example.com'],
      ['host', '0x7f000001'],
      ['host', '2130706433'],
      ['host', '127.1'],
      ['host', '0177.0.0.1'],
      ['host', 'fe80::1%eth0'],
      ['port', 0],
      ['port', 65536],
      ['port', 25.5],
      ['port', '25'],
      ['security', 'ssl'],
      ['username', 'a'.repeat(255)],
      ['password', 'x'.repeat(513)],
      ['password', ''],
      ['fromAddress', 'not-an-email'],
      ['fromAddress', 'a@b'],
      ['fromAddress', 'user@example.com\r\nBcc: victim@example.com'],
      ['fromName', 'Vertex\r\nBcc: victim@example.com'],
      ['fromName', 'a'.repeat(201)],
      ['enabled', 'true'],
      ['defaultLocale', 'de'],
    ])('refuses %s = %j', async (field, value) => {
      const response = await t.http
        .put('/api/v1/mail/settings')
        .set(admin.auth)
        .send(validSettings({ [field]: value }));
      expect(response.status).toBe(400);
      expect(response.body.error).toBe('VALIDATION_FAILED');
      expect((response.body.details as Array<{ field: string }>).map((detail) => detail.field)).toContain(field);
      expect(response.text).not.toContain(SMTP_PASSWORD);
    });

    it.each(['port', 'security', 'fromAddress', 'enabled', 'host'])('requires %s', async (field) => {
      const body = validSettings();
      delete body[field];
      const response = await t.http.put('/api/v1/mail/settings').set(admin.auth).send(body);
      expect(response.status).toBe(400);
      expect((response.body.details as Array<{ field: string }>).map((detail) => detail.field)).toContain(field);
    });

    it('accepts IP literals and bracketed IPv6 when private hosts are allowed', async () => {
      for (const host of ['127.0.0.1', '[::1]', 'localhost', 'mailhog']) {
        const response = await t.http.put('/api/v1/mail/settings').set(admin.auth).send(validSettings({ host }));
        expect(response.status, host).toBe(200);
      }
    });
  });

  describe('SSRF guard without MAIL_ALLOW_PRIVATE_HOSTS', () => {
    let guarded: TestApp;
    let guardedAdmin: SignedIn;
    beforeAll(async () => {
      guarded = await createTestApp();
      guardedAdmin = await loginAs(guarded, 'admin');
    });
    afterAll(async () => {
      await guarded?.close();
    });

    it.each([
      '127.0.0.1',
      'localhost',
      '169.254.169.254',
      '[::1]',
      '::1',
      '10.0.0.5',
      '172.16.3.4',
      '192.168.1.10',
      '100.64.0.1',
      '0.0.0.0',
      '[::]',
      'fd00:ec2::254',
      'fc00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '::ffff:169.254.169.254',
      '0x7f000001',
      '2130706433',
    ])('refuses %s', async (host) => {
      const response = await guarded.http.put('/api/v1/mail/settings').set(guardedAdmin.auth).send(validSettings({ host }));
      expect(response.status, host).toBe(400);
      expect(response.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'host' })]));
      expect((await guarded.db.query(`SELECT count(*)::int AS n FROM mail_settings`))[0].n).toBe(0);
    });

    it('refuses a name that resolves to a private address, accepts one that resolves to a public one', async () => {
      const guard = guarded.app.get(SmtpHostGuard);
      const spy = vi
        .spyOn(guard, 'resolveAll')
        .mockImplementation(async (host: string) =>
          host === 'internal.example.com' ? ['93.184.216.34', '10.1.2.3'] : ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
        );
      try {
        const refused = await guarded.http
          .put('/api/v1/mail/settings')
          .set(guardedAdmin.auth)
          .send(validSettings({ host: 'internal.example.com' }));
        expect(refused.status).toBe(400);
        expect(refused.body.details[0].message).toMatch(/private/);
        const accepted = await guarded.http
          .put('/api/v1/mail/settings')
          .set(guardedAdmin.auth)
          .send(validSettings({ host: 'smtp.example.com' }));
        expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
      } finally {
        spy.mockRestore();
      }
    });
  });

  describe('templates', () => {
    it('lists every template with English and Russian defaults and their variables', async () => {
      const response = await t.http.get('/api/v1/mail/templates').set(admin.auth);
      expect(response.status).toBe(200);
      const keys = (response.body.items as Array<{ key: string }>).map((item) => item.key);
      expect(keys).toEqual([
        'order-ready',
        'subscription-expiring',
        'subscription-expired',
        'account-locked',
        'backup-failed',
        'password-changed',
      ]);
      for (const item of response.body.items as Array<{ locales: Array<{ locale: string; isDefault: boolean }>; variables: unknown[] }>) {
        expect(item.locales.map((entry) => entry.locale)).toEqual(['en', 'ru']);
        expect(item.locales.every((entry) => entry.isDefault)).toBe(true);
        expect(item.variables.length).toBeGreaterThan(0);
      }
      expect((await t.http.get('/api/v1/mail/templates/no-such-template').set(admin.auth)).status).toBe(404);
    });

    it('previews both locales with values escaped (a <script> in a client name arrives as text)', async () => {
      const response = await t.http
        .post('/api/v1/mail/templates/order-ready/preview')
        .set(admin.auth)
        .send({ variables: { clientName: '<script>alert(1)</script>', companyName: 'Studio & Co' } });
      expect(response.status).toBe(200);
      const renders = response.body.renders as Array<{ locale: string; subject: string; html: string; text: string }>;
      expect(renders.map((render) => render.locale)).toEqual(['en', 'ru']);
      for (const render of renders) {
        expect(render.html).not.toContain('<script');
        expect(render.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
        expect(render.html).toContain('Studio &amp; Co');
        expect(render.text).toContain('<script>alert(1)</script>');
        expect(render.subject).toContain('<script>alert(1)</script>');
      }
      expect(renders[1].subject).toMatch(/^Заказ для/);
      const one = await t.http.post('/api/v1/mail/templates/order-ready/preview').set(admin.auth).send({ variables: {}, locale: 'ru' });
      expect(one.body.renders).toHaveLength(1);
      expect(one.body.renders[0].html).toContain('Anna Petrova');
    });

    it('refuses preview values for variables the template does not declare', async () => {
      const response = await t.http
        .post('/api/v1/mail/templates/password-changed/preview')
        .set(admin.auth)
        .send({ variables: { clientName: 'x' } });
      expect(response.status).toBe(400);
      expect(response.body.details[0]).toMatchObject({ field: 'variables' });
    });

    it('sanitizes saved HTML: no scripts, event handlers or javascript: URLs', async () => {
      const response = await t.http
        .put('/api/v1/mail/templates/order-ready')
        .set(admin.auth)
        .send({
          locale: 'en',
          subject: 'Ready: {{clientName}}',
          html:
            '<p onclick="steal()">Hi {{clientName}}</p><script>alert(1)</script><img src=x onerror="alert(1)">' +
            '<a href="javascript:alert(1)">bad</a><a href="{{arUrl}}" onmouseover="x()">good</a><iframe src="https://evil.example"></iframe>' +
            '<style>body{}</style><svg onload="alert(1)"></svg><a href="JaVaScRiPt&#58;alert(1)">enc</a>',
        });
      expect(response.status).toBe(200);
      const en = (response.body.locales as Array<{ locale: string; html: string; isDefault: boolean }>).find(
        (entry) => entry.locale === 'en',
      )!;
      expect(en.isDefault).toBe(false);
      expect(en.html).not.toMatch(/<script|onclick|onerror|onmouseover|onload|javascript:|<iframe|<style|<svg/i);
      expect(en.html).toContain('<a href="{{arUrl}}">good</a>');
      expect(en.html).toContain('<p>Hi {{clientName}}</p>');

      const preview = await t.http
        .post('/api/v1/mail/templates/order-ready/preview')
        .set(admin.auth)
        .send({ variables: { arUrl: 'javascript:alert(1)' }, locale: 'en' });
      expect(preview.body.renders[0].subject).toBe('Ready: Anna Petrova');
      expect(preview.body.renders[0].html).not.toContain('javascript:');
    });

    it('refuses unknown variables, naming them', async () => {
      const response = await t.http
        .put('/api/v1/mail/templates/password-changed')
        .set(admin.auth)
        .send({ locale: 'ru', subject: 'Hi {{fullName}} {{password}}', html: '<p>{{ secretToken }} {{changedAt}}</p>' });
      expect(response.status).toBe(400);
      const messages = (response.body.details as Array<{ field: string; message: string }>).map(
        (detail) => `${detail.field}: ${detail.message}`,
      );
      expect(messages.join('\n')).toMatch(/subject: unknown template variables: password/);
      expect(messages.join('\n')).toMatch(/html: unknown template variables: secretToken/);
    });

    it('refuses CR/LF in subjects and bad locales', async () => {
      for (const body of [
        { locale: 'en', subject: 'Hi\r\nBcc: x@example.com', html: '<p>x</p>' },
        { locale: 'de', subject: 'Hi', html: '<p>x</p>' },
        { locale: 'en', subject: 'Hi', html: '' },
      ]) {
        const response = await t.http.put('/api/v1/mail/templates/order-ready').set(admin.auth).send(body);
        expect(response.status, JSON.stringify(body)).toBe(400);
      }
    });
  });

  describe('authorization', () => {
    it.each(['manager', 'viewer'] as const)('answers every mail route with 403 to a %s', async (role) => {
      const user = await loginAs(t, role);
      for (const [method, path] of MAIL_ROUTES) {
        const request = t.http[method](path).set(user.auth);
        const response = method === 'get' ? await request : await request.send({});
        expect(response.status, `${method} ${path}`).toBe(403);
        expect(response.body.error).toBe('FORBIDDEN');
      }
    });
  });
});
