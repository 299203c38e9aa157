import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { AUTH_EVENTS } from '../src/auth/auth.events';
import { AR_EVENTS, BACKUP_EVENTS } from '../src/common/domain-events';
import { MailDeliveryService } from '../src/mail/mail-delivery.service';
import { MailOutboxService, type NewMail } from '../src/mail/mail-outbox.service';
import { loginAs, makeUser, type SignedIn } from './support/factories';
import { startSilentServer, startSmtpServer, type ReceivedMail, type TestSmtpServer } from './support/smtp-server';
import { createTestApp, knownSecrets, type TestApp } from './support/test-app';

const SMTP_USER = 'mailer@studio.example';
const SMTP_PASSWORD = 'smtp-Delivery-Secret-77aa';
knownSecrets.add(SMTP_PASSWORD);

const MAIL_ENV = { MAIL_ALLOW_PRIVATE_HOSTS: 'true', MAIL_SMTP_TIMEOUT_MS: '1000' };

/** Quoted-printable and base64 bodies decoded well enough to search the parts of a raw message. */
function decodeParts(raw: string): { headers: string; html: string; text: string } {
  const headers = raw.split(/\r?\n\r?\n/)[0];
  const parts = raw.split(/\r?\n--[^\r\n]+\r?\n/);
  const decode = (part: string): string => {
    const [head, ...rest] = part.split(/\r?\n\r?\n/);
    const body = rest.join('\n\n');
    if (/content-transfer-encoding: base64/i.test(head)) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    if (/content-transfer-encoding: quoted-printable/i.test(head)) {
      const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
      return Buffer.from(bytes, 'latin1').toString('utf8');
    }
    return body;
  };
  const html = parts.find((part) => /content-type: text\/html/i.test(part)) ?? '';
  const text = parts.find((part) => /content-type: text\/plain/i.test(part)) ?? '';
  return { headers, html: decode(html), text: decode(text) };
}

async function configureSmtp(t: TestApp, admin: SignedIn, port: number, auth = false): Promise<void> {
  const response = await t.http
    .put('/api/v1/mail/settings')
    .set(admin.auth)
    .send({
      host: '127.0.0.1',
      port,
      security: 'none',
      username: auth ? SMTP_USER : null,
      ...(auth ? { password: SMTP_PASSWORD } : { password: null }),
      fromAddress: 'no-reply@studio.example',
      fromName: 'Vertex AR Studio',
      enabled: true,
    });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
}

const sample = (overrides: Partial<NewMail> = {}): NewMail => ({
  to: 'client@example.com',
  subject: 'Your portrait is ready',
  html: '<p>Hello <strong>Anna</strong></p>',
  text: 'Hello Anna',
  templateKey: 'order-ready',
  ...overrides,
});

async function outboxRow(t: TestApp, id: string): Promise<Record<string, unknown>> {
  const [row] = (await t.db.query(`SELECT * FROM mail_outbox WHERE id = $1`, [id])) as Array<Record<string, unknown>>;
  return row;
}

describe('mail delivery through pg-boss workers', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  let admin: SignedIn;
  beforeAll(async () => {
    smtp = await startSmtpServer({ auth: { username: SMTP_USER, password: SMTP_PASSWORD } });
    t = await createTestApp({ env: MAIL_ENV });
    admin = await loginAs(t, 'admin');
    await configureSmtp(t, admin, smtp.port, true);
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  it('delivers a queued mail with subject, HTML and text parts, from and to (authenticated)', async () => {
    const id = await t.app
      .get(MailOutboxService)
      .enqueue(sample({ html: '<p>Hello <strong>Anna</strong></p><p><a href="https://ar.example/x">Open</a></p>' }));
    const [mail] = await smtp.waitFor(1);
    expect(mail.from).toBe('no-reply@studio.example');
    expect(mail.to).toEqual(['client@example.com']);
    expect(mail.user).toBe(SMTP_USER);
    const parts = decodeParts(mail.raw);
    expect(parts.headers).toMatch(/^Subject: Your portrait is ready$/m);
    expect(parts.headers).toMatch(/^From: Vertex AR Studio <no-reply@studio.example>$/m);
    expect(parts.html).toContain('<strong>Anna</strong>');
    expect(parts.text).toContain('Hello Anna');
    await vi.waitFor(async () => expect((await outboxRow(t, id!)).status).toBe('sent'), { timeout: 5_000 });
    const row = await outboxRow(t, id!);
    expect(row).toMatchObject({ attempts: 1, last_error: null });
    expect(row.sent_at).toBeInstanceOf(Date);
  });

  it('POST /mail/test reports the delivery result without echoing the password', async () => {
    const response = await t.http.post('/api/v1/mail/test').set(admin.auth).send({ to: 'admin-check@example.com' });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'sent', attempts: 1, lastError: null });
    expect(response.text).not.toContain(SMTP_PASSWORD);
    expect(smtp.received.some((mail: ReceivedMail) => mail.to.includes('admin-check@example.com'))).toBe(true);
    const list = await t.http.get('/api/v1/mail/outbox?status=sent&limit=10').set(admin.auth);
    expect(list.status).toBe(200);
    expect(list.body.total).toBeGreaterThanOrEqual(2);
    expect(list.body.items[0]).toMatchObject({ status: 'sent', attempts: 1 });
    expect((await t.http.get('/api/v1/mail/outbox?status=bogus').set(admin.auth)).status).toBe(400);
  });

  it('a wrong SMTP password ends in failed with an error that does not contain it', async () => {
    const wrong = 'wrong-Smtp-Pass-123456';
    knownSecrets.add(wrong);
    await t.http.put('/api/v1/mail/settings').set(admin.auth).send({
      host: '127.0.0.1',
      port: smtp.port,
      security: 'none',
      username: SMTP_USER,
      password: wrong,
      fromAddress: 'no-reply@studio.example',
      enabled: true,
    });
    const response = await t.http.post('/api/v1/mail/test').set(admin.auth).send({ to: 'admin-check@example.com' });
    expect(response.body.status).toBe('failed');
    expect(response.body.lastError).toMatch(/535|auth/i);
    expect(response.text).not.toContain(wrong);
    expect(t.logs.text()).not.toContain(wrong);
    await configureSmtp(t, admin, smtp.port, true);
  });
});

describe('mail delivery step (no workers: ROLE=api, ManualClock)', () => {
  let t: TestApp;
  let admin: SignedIn;
  let outbox: MailOutboxService;
  let delivery: MailDeliveryService;
  beforeAll(async () => {
    t = await createTestApp({ env: { ...MAIL_ENV, ROLE: 'api' } });
    admin = await loginAs(t, 'admin');
    outbox = t.app.get(MailOutboxService);
    delivery = t.app.get(MailDeliveryService);
  });
  // The ManualClock moves by many minutes below: a fresh sign-in per test keeps the access token valid.
  beforeEach(async () => {
    admin = await loginAs(t, 'admin');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('without SMTP settings (test env) the mail fails with "SMTP not configured"', async () => {
    const id = (await outbox.enqueue(sample()))!;
    expect(await delivery.deliver(id)).toBe('failed');
    expect(await outboxRow(t, id)).toMatchObject({ status: 'failed', attempts: 1, last_error: 'SMTP not configured' });
  });

  async function retriesUntilFailed(reason: RegExp): Promise<number[]> {
    const id = (await outbox.enqueue(sample()))!;
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      const outcome = await delivery.deliver(id);
      const row = await outboxRow(t, id);
      expect(row.attempts).toBe(attempt);
      expect(String(row.last_error)).toMatch(reason);
      expect(String(row.last_error)).not.toContain(SMTP_PASSWORD);
      if (attempt < 5) {
        expect(outcome).toBe('retry');
        expect(row.status).toBe('queued');
        const delay = (row.next_attempt_at as Date).getTime() - t.clock.now().getTime();
        delays.push(delay);
        // Not due yet: nothing happens.
        expect(await delivery.deliver(id)).toBe('skipped');
        t.clock.advance(delay);
      } else {
        expect(outcome).toBe('failed');
        expect(row.status).toBe('failed');
      }
    }
    return delays;
  }

  it('a 4xx answer is retried with growing delays, then failed after 5 attempts', async () => {
    const smtp = await startSmtpServer({ failData: { code: 451, message: 'Try again later' } });
    try {
      await configureSmtp(t, admin, smtp.port);
      const delays = await retriesUntilFailed(/451/);
      expect(delays).toEqual([60_000, 120_000, 240_000, 480_000]);
      expect(smtp.attempts).toBe(5);
      expect(smtp.received).toHaveLength(0);
    } finally {
      await smtp.close();
    }
  });

  it('a 5xx answer to RCPT TO is retried and fails (with auth: the password is scrubbed)', async () => {
    const smtp = await startSmtpServer({
      auth: { username: SMTP_USER, password: SMTP_PASSWORD },
      failRcpt: { code: 550, message: 'No such user' },
    });
    try {
      await configureSmtp(t, admin, smtp.port, true);
      const delays = await retriesUntilFailed(/550/);
      expect(delays[3]).toBeGreaterThan(delays[0]);
    } finally {
      await smtp.close();
    }
  });

  it('a server that never answers times out (MAIL_SMTP_TIMEOUT_MS) and is retried', async () => {
    const silent = await startSilentServer();
    try {
      await configureSmtp(t, admin, silent.port);
      const id = (await outbox.enqueue(sample()))!;
      const started = Date.now();
      expect(await delivery.deliver(id)).toBe('retry');
      expect(Date.now() - started).toBeLessThan(5_000);
      const row = await outboxRow(t, id);
      expect(row).toMatchObject({ status: 'queued', attempts: 1 });
      expect(String(row.last_error)).toMatch(/timeout|greeting|ETIMEDOUT/i);
    } finally {
      await silent.close();
    }
  });

  it('recovers from a temporary failure: a later attempt delivers', async () => {
    const smtp = await startSmtpServer({ failData: (count) => (count === 1 ? { code: 421, message: 'Busy' } : null) });
    try {
      await configureSmtp(t, admin, smtp.port);
      const id = (await outbox.enqueue(sample({ subject: 'Second time lucky' })))!;
      expect(await delivery.deliver(id)).toBe('retry');
      t.clock.advance(60_000);
      expect(await delivery.deliver(id)).toBe('sent');
      expect(await outboxRow(t, id)).toMatchObject({ status: 'sent', attempts: 2 });
      expect(smtp.received).toHaveLength(1);
    } finally {
      await smtp.close();
    }
  });

  it('two instances racing on the same outbox deliver every mail exactly once', async () => {
    const smtp = await startSmtpServer();
    const second = await createTestApp({
      env: { ...MAIL_ENV, ROLE: 'api' },
      databaseName: t.db.options.database as string,
      clock: t.clock,
    });
    try {
      await configureSmtp(t, admin, smtp.port);
      const ids: string[] = [];
      for (let i = 0; i < 10; i += 1) ids.push((await outbox.enqueue(sample({ to: `race-${i}@example.com` })))!);
      const other = second.app.get(MailDeliveryService);
      const outcomes = await Promise.all(
        ids.flatMap((id) => [delivery.deliver(id), other.deliver(id), delivery.deliver(id), other.deliver(id)]),
      );
      expect(outcomes.filter((outcome) => outcome === 'sent')).toHaveLength(10);
      expect(outcomes.filter((outcome) => outcome === 'skipped')).toHaveLength(30);
      expect(smtp.received).toHaveLength(10);
      expect(new Set(smtp.received.map((mail) => mail.to[0])).size).toBe(10);
    } finally {
      await second.close();
      await smtp.close();
    }
  });

  it('a tampered password ciphertext fails closed: nothing is sent', async () => {
    const smtp = await startSmtpServer({ auth: { username: SMTP_USER, password: SMTP_PASSWORD } });
    try {
      await configureSmtp(t, admin, smtp.port, true);
      const [stored] = (await t.db.query(`SELECT password_encrypted FROM mail_settings`)) as Array<{ password_encrypted: string }>;
      const parts = stored.password_encrypted.split('.');
      parts[4] = (parts[4][0] === 'A' ? 'B' : 'A') + parts[4].slice(1);
      await t.db.query(`UPDATE mail_settings SET password_encrypted = $1`, [parts.join('.')]);
      const id = (await outbox.enqueue(sample()))!;
      expect(await delivery.deliver(id)).toBe('failed');
      expect(String((await outboxRow(t, id)).last_error)).toMatch(/could not be decrypted/);
      expect(smtp.attempts).toBe(0);
    } finally {
      await smtp.close();
    }
  });

  it('the sweep re-queues rows stuck in sending and triggers due rows', async () => {
    const id = (await outbox.enqueue(sample()))!;
    await t.db.query(`UPDATE mail_outbox SET status = 'sending', claimed_at = $2 WHERE id = $1`, [
      id,
      new Date(t.clock.now().getTime() - 11 * 60_000),
    ]);
    expect(await outbox.sweep()).toContain(id);
    expect((await outboxRow(t, id)).status).toBe('queued');
  });
});

describe('notifications', () => {
  let t: TestApp;
  let events: EventEmitter2;
  beforeAll(async () => {
    t = await createTestApp({ env: { ...MAIL_ENV, ROLE: 'api' } });
    events = t.app.get(EventEmitter2);
    await makeUser(t, { role: 'admin' });
    await makeUser(t, { role: 'admin', isActive: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  const rows = async (templateKey: string): Promise<Array<Record<string, unknown>>> =>
    (await t.db.query(`SELECT * FROM mail_outbox WHERE template_key = $1 ORDER BY "to"`, [templateKey])) as Array<Record<string, unknown>>;

  it('account locked → every active admin, once per event (not again when the event repeats or after a restart)', async () => {
    const admins = (await t.db.query(`SELECT email FROM users WHERE role = 'admin' AND is_active`)) as Array<{ email: string }>;
    const event = {
      userId: '0b8f4a52-2c6e-4a8e-9d4f-0e9b8f2d1c3a',
      email: 'locked@example.com',
      lockedUntil: '2030-01-01T00:15:00.000Z',
      ip: '203.0.113.9',
    };
    await events.emitAsync(AUTH_EVENTS.accountLocked, event);
    await events.emitAsync(AUTH_EVENTS.accountLocked, event);
    const restarted = await createTestApp({ env: { ...MAIL_ENV, ROLE: 'api' }, databaseName: t.db.options.database as string });
    try {
      await restarted.app.get(EventEmitter2).emitAsync(AUTH_EVENTS.accountLocked, event);
    } finally {
      await restarted.close();
    }
    const locked = await rows('account-locked');
    expect(locked.map((row) => row.to).sort()).toEqual(admins.map((admin) => admin.email).sort());
    expect(locked[0].subject).toBe('Account locked: locked@example.com');
    expect(locked[0].html).toContain('2030-01-01 00:15 UTC');
    // A new lockout of the same user is a new event.
    await events.emitAsync(AUTH_EVENTS.accountLocked, { ...event, lockedUntil: '2030-01-02T00:15:00.000Z' });
    expect(await rows('account-locked')).toHaveLength(admins.length * 2);
  });

  it('account locked through real failed sign-ins queues the notification', async () => {
    const user = await makeUser(t, { role: 'manager' });
    for (let i = 0; i < 5; i += 1) await t.http.post('/api/v1/auth/login').send({ email: user.email, password: 'Wrong-password-123' });
    await vi.waitFor(async () => expect((await rows('account-locked')).some((row) => String(row.subject).includes(user.email))).toBe(true));
  });

  it('password changed → the user, once', async () => {
    const event = {
      userId: '1b8f4a52-2c6e-4a8e-9d4f-0e9b8f2d1c3a',
      email: 'user@example.com',
      fullName: '<b>Maria</b>',
      at: '2030-01-01T10:00:00.000Z',
    };
    await events.emitAsync(AUTH_EVENTS.passwordChanged, event);
    await events.emitAsync(AUTH_EVENTS.passwordChanged, event);
    const changed = await rows('password-changed');
    expect(changed).toHaveLength(1);
    expect(changed[0]).toMatchObject({ to: 'user@example.com', status: 'queued' });
    expect(changed[0].html).toContain('&lt;b&gt;Maria&lt;/b&gt;');
  });

  it('order ready → the company e-mail when set, once per order; nothing without an e-mail', async () => {
    const event = {
      orderId: '2b8f4a52-2c6e-4a8e-9d4f-0e9b8f2d1c3a',
      companyId: '3b8f4a52-2c6e-4a8e-9d4f-0e9b8f2d1c3a',
      companyName: 'Studio',
      companyEmail: 'studio@example.com',
      clientName: '<script>alert(1)</script>',
      arUrl: 'https://ar.example.com/ar/abc',
      readyAt: '2030-01-01T10:00:00.000Z',
      locale: 'ru' as const,
    };
    await events.emitAsync(AR_EVENTS.orderReady, event);
    await events.emitAsync(AR_EVENTS.orderReady, event);
    await events.emitAsync(AR_EVENTS.orderReady, { ...event, orderId: '4b8f4a52-2c6e-4a8e-9d4f-0e9b8f2d1c3a', companyEmail: null });
    const ready = await rows('order-ready');
    expect(ready).toHaveLength(1);
    expect(ready[0].subject).toBe('Заказ для <script>alert(1)</script> готов');
    expect(ready[0].html).not.toContain('<script>');
    expect(ready[0].html).toContain('&lt;script&gt;');
  });

  it('subscription expiring (7 days, 24 hours) and expired → the client, once each', async () => {
    const base = {
      portraitId: '5b8f4a52-2c6e-4a8e-9d4f-0e9b8f2d1c3a',
      companyName: 'Studio',
      clientName: 'Anna',
      clientEmail: 'anna@example.com',
      arUrl: 'https://ar.example.com/ar/abc',
      endsAt: '2030-02-01T00:00:00.000Z',
    };
    for (let i = 0; i < 2; i += 1) {
      await events.emitAsync(AR_EVENTS.subscriptionExpiring, { ...base, window: '7d' });
      await events.emitAsync(AR_EVENTS.subscriptionExpiring, { ...base, window: '24h' });
      await events.emitAsync(AR_EVENTS.subscriptionExpired, base);
    }
    expect(await rows('subscription-expiring')).toHaveLength(2);
    expect(await rows('subscription-expired')).toHaveLength(1);
  });

  it('backup failed → every active admin, once per run', async () => {
    const event = { backupId: 'run-2030-01-01', reason: 'storage unavailable', failedAt: '2030-01-01T03:00:00.000Z' };
    await events.emitAsync(BACKUP_EVENTS.failed, event);
    await events.emitAsync(BACKUP_EVENTS.failed, event);
    const admins = (await t.db.query(`SELECT count(*)::int AS n FROM users WHERE role = 'admin' AND is_active`)) as Array<{ n: number }>;
    expect(await rows('backup-failed')).toHaveLength(admins[0].n);
  });
});

describe('development without SMTP settings', () => {
  it('writes the mail as an .eml file (mode 0600) under DATA_DIR/mail and marks it sent', async () => {
    const t = await createTestApp({ env: { NODE_ENV: 'development', ROLE: 'api' } });
    try {
      const id = (await t.app.get(MailOutboxService).enqueue(sample({ subject: 'Dev copy' })))!;
      expect(await t.app.get(MailDeliveryService).deliver(id)).toBe('sent');
      expect((await outboxRow(t, id)).status).toBe('sent');
      const dir = join(t.config.app.dataDir, 'mail');
      const files = readdirSync(dir).filter((name) => name.endsWith('.eml'));
      expect(files).toHaveLength(1);
      expect(statSync(join(dir, files[0])).mode & 0o777).toBe(0o600);
      const content = readFileSync(join(dir, files[0]), 'utf8');
      expect(content).toMatch(/^Subject: Dev copy$/m);
      expect(content).toMatch(/^To: client@example.com$/m);
    } finally {
      await t.close();
    }
  });
});
