import { randomUUID } from 'node:crypto';
import { createTestApp, type TestApp } from './support/test-app';
import { loginAs, makeCompany, type SignedIn } from './support/factories';

describe('clients', () => {
  let t: TestApp;
  let companyA: { id: string };
  let companyB: { id: string };
  let managerA: SignedIn;
  let managerB: SignedIn;
  let viewerA: SignedIn;
  beforeAll(async () => {
    t = await createTestApp();
    companyA = await makeCompany(t);
    companyB = await makeCompany(t);
    managerA = await loginAs(t, 'manager', companyA.id);
    managerB = await loginAs(t, 'manager', companyB.id);
    viewerA = await loginAs(t, 'viewer', companyA.id);
  });
  afterAll(async () => {
    await t.close();
  });

  const base = (companyId: string) => `/api/v1/companies/${companyId}/clients`;
  const createClient = (user: SignedIn, companyId: string, body: Record<string, unknown>) =>
    t.http.post(base(companyId)).set(user.auth).send(body);

  it('creates, reads, updates and deletes a client', async () => {
    const created = await createClient(managerA, companyA.id, {
      name: 'Ivan',
      phone: '+7 912 000-11-22',
      email: 'Ivan@Example.com',
      notes: 'VIP',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ companyId: companyA.id, name: 'Ivan', phone: '+79120001122', email: 'ivan@example.com' });
    const id = created.body.id as string;
    expect((await t.http.get(`${base(companyA.id)}/${id}`).set(viewerA.auth)).status).toBe(200);
    const updated = await t.http
      .patch(`${base(companyA.id)}/${id}`)
      .set(managerA.auth)
      .send({ notes: null, name: 'Ivan S.' });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ name: 'Ivan S.', notes: null });
    expect((await t.http.delete(`${base(companyA.id)}/${id}`).set(managerA.auth)).status).toBe(204);
    expect((await t.http.get(`${base(companyA.id)}/${id}`).set(managerA.auth)).status).toBe(404);
  });

  it('keeps phone and e-mail unique within a company, not across companies', async () => {
    expect((await createClient(managerA, companyA.id, { name: 'A', phone: '+7 900 111 22 33', email: 'dup@example.com' })).status).toBe(
      201,
    );
    expect((await createClient(managerA, companyA.id, { name: 'B', phone: '+7(900)111-22-33' })).status).toBe(409);
    expect((await createClient(managerA, companyA.id, { name: 'C', phone: '+79001112299', email: 'DUP@example.com' })).status).toBe(409);
    expect((await createClient(managerB, companyB.id, { name: 'A', phone: '+7 900 111 22 33', email: 'dup@example.com' })).status).toBe(
      201,
    );
  });

  it('searches by name, phone and e-mail with pagination and allowlisted sort', async () => {
    const company = await makeCompany(t);
    const manager = await loginAs(t, 'manager', company.id);
    for (const [name, phone, email] of [
      ['Anna Search', '+79110000001', 'anna@example.com'],
      ['Boris Search', '+79110000002', 'boris@example.com'],
      ['Carl Other', '+79220000003', 'findme@example.com'],
    ]) {
      await createClient(manager, company.id, { name, phone, email });
    }
    const byName = await t.http.get(`${base(company.id)}?search=search&sort=-name`).set(manager.auth);
    expect(byName.body.items.map((c: { name: string }) => c.name)).toEqual(['Boris Search', 'Anna Search']);
    const byPhone = await t.http.get(`${base(company.id)}?search=${encodeURIComponent('922 000')}`).set(manager.auth);
    expect(byPhone.body.total).toBe(1);
    const byEmail = await t.http.get(`${base(company.id)}?search=findme`).set(manager.auth);
    expect(byEmail.body.items[0].name).toBe('Carl Other');
    const paged = await t.http.get(`${base(company.id)}?limit=2&page=2&sort=name`).set(manager.auth);
    expect(paged.body).toMatchObject({ total: 3, page: 2, limit: 2 });
    expect(paged.body.items).toHaveLength(1);
    expect((await t.http.get(`${base(company.id)}?sort=companyId`).set(manager.auth)).status).toBe(400);
    const wildcard = await t.http.get(`${base(company.id)}?search=%25`).set(manager.auth);
    expect(wildcard.body.total).toBe(0);
  });

  it('exports CSV with formula cells escaped', async () => {
    const company = await makeCompany(t);
    const manager = await loginAs(t, 'manager', company.id);
    await createClient(manager, company.id, { name: '=HYPERLINK("http://evil.example","x")', phone: '+79330000001', notes: '@SUM(A1)' });
    await createClient(manager, company.id, {
      name: '-2+3',
      phone: '+79330000002',
      email: 'plain@example.com',
      notes: 'Line "quoted", comma',
    });
    const response = await t.http
      .get(`${base(company.id)}/export?format=csv`)
      .set(manager.auth)
      .buffer(true)
      .parse((res, done) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        res.on('end', () => done(null, text));
      });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toContain('text/csv');
    expect(response.headers['content-disposition']).toContain('attachment');
    const text = response.body as string;
    expect(text).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
    expect(text).toContain("'-2+3");
    expect(text).toContain("'@SUM(A1)");
    expect(text).toContain("'+79330000001");
    expect(text).toContain('"Line ""quoted"", comma"');
    expect(text.split('\n').filter((line) => /^\uFEFF?id,/.test(line))).toHaveLength(1);
    expect((await t.http.get(`${base(company.id)}/export?format=xlsx`).set(manager.auth)).status).toBe(400);
    const filtered = await t.http
      .get(`${base(company.id)}/export?search=plain`)
      .set(manager.auth)
      .buffer(true)
      .parse((res, done) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        res.on('end', () => done(null, body));
      });
    expect(filtered.status).toBe(200);
    expect((filtered.body as string).trim().split('\n')).toHaveLength(2);
    expect(filtered.body as string).toContain('plain@example.com');
  });

  it('gives company B’s manager 404 on every company A client route, and changes nothing', async () => {
    const client = (await createClient(managerA, companyA.id, { name: 'Private', phone: '+79440000001' })).body;
    const before = await t.db.query(`SELECT name, phone FROM clients WHERE id = $1`, [client.id]);
    const attempts = [
      t.http.get(base(companyA.id)).set(managerB.auth),
      t.http.post(base(companyA.id)).set(managerB.auth).send({ name: 'X', phone: '+79440000009' }),
      t.http.get(`${base(companyA.id)}/export`).set(managerB.auth),
      t.http.get(`${base(companyA.id)}/${client.id}`).set(managerB.auth),
      t.http
        .patch(`${base(companyA.id)}/${client.id}`)
        .set(managerB.auth)
        .send({ name: 'Hacked' }),
      t.http.delete(`${base(companyA.id)}/${client.id}`).set(managerB.auth),
      // the client id under B's own company path must not reach A's row either
      t.http.get(`${base(companyB.id)}/${client.id}`).set(managerB.auth),
      t.http
        .patch(`${base(companyB.id)}/${client.id}`)
        .set(managerB.auth)
        .send({ name: 'Hacked' }),
      t.http.delete(`${base(companyB.id)}/${client.id}`).set(managerB.auth),
    ];
    const responses = await Promise.all(attempts);
    expect(responses.map((response) => response.status)).toEqual(responses.map(() => 404));
    expect(await t.db.query(`SELECT name, phone FROM clients WHERE id = $1`, [client.id])).toEqual(before);
  });

  it('lets viewers read but not write; unknown company → 404; bad ids → 400', async () => {
    expect((await t.http.get(base(companyA.id)).set(viewerA.auth)).status).toBe(200);
    expect((await createClient(viewerA, companyA.id, { name: 'V', phone: '+79550000001' })).status).toBe(403);
    const admin = await loginAs(t, 'admin');
    expect((await t.http.get(base(randomUUID())).set(admin.auth)).status).toBe(404);
    expect((await t.http.get(base('not-a-uuid')).set(admin.auth)).status).toBe(400);
    expect((await t.http.get(`${base(companyA.id)}/..%2F..%2Fusers`).set(admin.auth)).status).toBe(400);
  });

  it('refuses invalid input without writing', async () => {
    const before = await t.db.query(`SELECT count(*)::int AS n FROM clients`);
    for (const body of [
      { name: 'x' },
      { phone: '+79000000000' },
      { name: 'x', phone: '123' },
      { name: 'x', phone: '+79000000000', email: 'bad' },
      { name: 'x'.repeat(201), phone: '+79000000000' },
      { name: 'x', phone: '+79000000000', companyId: companyB.id },
      { name: { $ne: null }, phone: '+79000000000' },
      { name: 'x', phone: ['+79000000000'] },
      { name: 'x', phone: '+79000000000', notes: 'x'.repeat(2001) },
    ]) {
      const response = await createClient(managerA, companyA.id, body);
      expect(response.status, JSON.stringify(body).slice(0, 80)).toBe(400);
    }
    expect((await t.db.query(`SELECT count(*)::int AS n FROM clients`))[0].n).toBe(before[0].n);
  });
});
