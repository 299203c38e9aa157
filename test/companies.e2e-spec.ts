import { Readable } from 'node:stream';
import { StorageService } from '../src/storage/storage.service';
import { randomUUID } from 'node:crypto';
import { createTestApp, type TestApp } from './support/test-app';
import { loginAs, makeCompany, type SignedIn } from './support/factories';

async function insertConnection(
  t: TestApp,
  options: { type?: 's3' | 'yandex_disk'; tested?: boolean | null; active?: boolean } = {},
): Promise<string> {
  const id = randomUUID();
  await t.db.query(
    `INSERT INTO storage_connections (id, name, type, config, secrets, is_active, last_test_ok, last_test_at)
     VALUES ($1, $2, $3, $4, '{}'::jsonb, $5, $6, now())`,
    [
      id,
      `conn-${id.slice(0, 8)}`,
      options.type ?? 's3',
      JSON.stringify({ endpoint: 'http://127.0.0.1:1', region: 'us-east-1', bucket: 'b', forcePathStyle: true, basePath: '' }),
      options.active ?? true,
      options.tested === undefined ? true : options.tested,
    ],
  );
  return id;
}

describe('companies', () => {
  let t: TestApp;
  let admin: SignedIn;
  beforeAll(async () => {
    t = await createTestApp();
    admin = await loginAs(t, 'admin');
  });
  afterAll(async () => {
    await t.close();
  });

  const create = (body: Record<string, unknown>) => t.http.post('/api/v1/companies').set(admin.auth).send(body);

  it('creates a company with every contact field, normalised', async () => {
    const response = await create({
      name: '  Acme Photo  ',
      email: 'Hello@Acme.Example',
      phone: '+7 (912) 345-67.89',
      website: 'https://acme.example/studio',
      city: 'Kazan',
      description: 'Portraits',
      socialLinks: { instagram: 'https://instagram.com/acme', vk: 'https://vk.com/acme' },
      managerName: 'Olga',
      managerPhone: '8 912 000 11 22',
      managerEmail: 'olga@acme.example',
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      name: 'Acme Photo',
      email: 'hello@acme.example',
      phone: '+79123456789',
      managerPhone: '89120001122',
      storage: { type: 'local', connectionId: null, folder: null },
      isDefault: false,
    });
  });

  const invalidValues: Array<[string, unknown]> = [
    ['name', ''],
    ['name', 'x'.repeat(256)],
    ['name', 'bad\u0000name'],
    ['name', 'evil\u202Egpj.exe'],
    ['name', ['a', 'b']],
    ['email', 'not-an-email'],
    ['email', 'аdmin@x.com'],
    ['email', true],
    ['phone', '12345'],
    ['phone', '1'.repeat(21)],
    ['phone', '+7 912 abc'],
    ['website', 'javascript:alert(1)'],
    ['website', 'ftp://files.example'],
    ['website', `https://x.example/${'a'.repeat(2050)}`],
    ['website', 'https://user:pass@x.example'],
    ['socialLinks', { instagram: 'javascript:alert(1)' }],
    ['socialLinks', { 'Bad Key': 'https://x.example' }],
    ['socialLinks', ['https://x.example']],
    ['socialLinks', 'https://x.example'],
    ['description', 'x'.repeat(2001)],
    ['managerEmail', 'x@'],
    ['storage', { type: 'dropbox' }],
    ['storage', { type: 'local', extra: 1 }],
    ['storage', { type: 'yandex_disk', connectionId: 'nope', folder: '../etc' }],
    ['isDefault', true],
  ];
  it.each(invalidValues)('refuses %s = %j', async (field, value) => {
    const before = await t.db.query(`SELECT count(*)::int AS n FROM companies`);
    const response = await create({ name: `Valid ${randomUUID()}`, [field]: value });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: 'VALIDATION_FAILED', requestId: expect.any(String) });
    expect((await t.db.query(`SELECT count(*)::int AS n FROM companies`))[0].n).toBe(before[0].n);
  });

  it('refuses a duplicate name, case-insensitively', async () => {
    await makeCompany(t, 'Unique Studio');
    expect((await create({ name: 'unique studio' })).status).toBe(409);
  });

  it('applies the storage rules: remote storage needs an active, tested connection of the same type', async () => {
    expect((await create({ name: `S3 ${randomUUID()}`, storage: { type: 's3' } })).status).toBe(400);
    expect((await create({ name: `S3 ${randomUUID()}`, storage: { type: 's3', connectionId: randomUUID() } })).status).toBe(400);
    const untested = await insertConnection(t, { tested: null });
    expect((await create({ name: `S3 ${randomUUID()}`, storage: { type: 's3', connectionId: untested } })).status).toBe(400);
    const failed = await insertConnection(t, { tested: false });
    expect((await create({ name: `S3 ${randomUUID()}`, storage: { type: 's3', connectionId: failed } })).status).toBe(400);
    const inactive = await insertConnection(t, { active: false });
    expect((await create({ name: `S3 ${randomUUID()}`, storage: { type: 's3', connectionId: inactive } })).status).toBe(400);
    const tested = await insertConnection(t);
    expect((await create({ name: `S3 ${randomUUID()}`, storage: { type: 'yandex_disk', connectionId: tested, folder: 'x' } })).status).toBe(
      400,
    );
    const yandex = await insertConnection(t, { type: 'yandex_disk' });
    expect((await create({ name: `Y ${randomUUID()}`, storage: { type: 'yandex_disk', connectionId: yandex } })).status).toBe(400);
    const ok = await create({ name: `S3 ${randomUUID()}`, storage: { type: 's3', connectionId: tested, folder: 'studio/acme' } });
    expect(ok.status).toBe(201);
    expect(ok.body.storage).toEqual({ type: 's3', connectionId: tested, folder: 'studio/acme' });
    const okYandex = await create({ name: `Y ${randomUUID()}`, storage: { type: 'yandex_disk', connectionId: yandex, folder: 'vertex' } });
    expect(okYandex.status).toBe(201);
  });

  it('refuses to delete a storage connection while a company uses it (409)', async () => {
    const connection = await insertConnection(t);
    const company = await create({ name: `Uses ${randomUUID()}`, storage: { type: 's3', connectionId: connection } });
    expect(company.status).toBe(201);
    const refused = await t.http.delete(`/api/v1/storage-connections/${connection}`).set(admin.auth);
    expect(refused.status).toBe(409);
    expect((await t.db.query(`SELECT count(*)::int AS n FROM storage_connections WHERE id = $1`, [connection]))[0].n).toBe(1);
  });

  it('protects the default company created by the migration', async () => {
    const rows = await t.db.query(`SELECT id FROM companies WHERE is_default`);
    expect(rows).toHaveLength(1);
    const id = rows[0].id as string;
    const connection = await insertConnection(t);
    expect((await t.http.delete(`/api/v1/companies/${id}`).set(admin.auth)).status).toBe(409);
    const move = await t.http
      .patch(`/api/v1/companies/${id}`)
      .set(admin.auth)
      .send({ storage: { type: 's3', connectionId: connection } });
    expect(move.status).toBe(400);
    const rename = await t.http.patch(`/api/v1/companies/${id}`).set(admin.auth).send({ city: 'Moscow' });
    expect(rename.status).toBe(200);
    expect(rename.body.isDefault).toBe(true);
  });

  it('updates, clears optional fields with null, and refuses null for required ones', async () => {
    const company = (await create({ name: `Upd ${randomUUID()}`, city: 'Kazan', email: 'a@b.example' })).body;
    const response = await t.http.patch(`/api/v1/companies/${company.id}`).set(admin.auth).send({ city: null, email: 'new@b.example' });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ city: null, email: 'new@b.example' });
    expect((await t.http.patch(`/api/v1/companies/${company.id}`).set(admin.auth).send({ name: null })).status).toBe(400);
    expect((await t.http.patch(`/api/v1/companies/${company.id}`).set(admin.auth).send({ socialLinks: null })).status).toBe(400);
  });

  it('scopes reads: managers and viewers see only their own company; others get 404', async () => {
    const mine = await makeCompany(t);
    const other = await makeCompany(t);
    const manager = await loginAs(t, 'manager', mine.id);
    const viewer = await loginAs(t, 'viewer', mine.id);
    for (const user of [manager, viewer]) {
      const list = await t.http.get('/api/v1/companies').set(user.auth);
      expect(list.status).toBe(200);
      expect(list.body.items.map((c: { id: string }) => c.id)).toEqual([mine.id]);
      expect((await t.http.get(`/api/v1/companies/${mine.id}`).set(user.auth)).status).toBe(200);
      expect((await t.http.get(`/api/v1/companies/${other.id}`).set(user.auth)).status).toBe(404);
      expect((await t.http.get(`/api/v1/companies/${other.id}/storage-info`).set(user.auth)).status).toBe(404);
      expect((await t.http.post('/api/v1/companies').set(user.auth).send({ name: 'Nope' })).status).toBe(403);
      expect((await t.http.patch(`/api/v1/companies/${mine.id}`).set(user.auth).send({ city: 'x' })).status).toBe(403);
      expect((await t.http.delete(`/api/v1/companies/${other.id}`).set(user.auth)).status).toBe(403);
    }
  });

  it('lists with search, pagination and allowlisted sort', async () => {
    await create({ name: `Zeta ${randomUUID()}`, city: 'Searchtown' });
    await create({ name: `Alpha ${randomUUID()}`, city: 'Searchtown' });
    const page = await t.http.get('/api/v1/companies?search=searchtown&sort=-name&limit=1').set(admin.auth);
    expect(page.status).toBe(200);
    expect(page.body.total).toBe(2);
    expect(page.body.items[0].name).toMatch(/^Zeta/);
    expect((await t.http.get('/api/v1/companies?sort=storageConnectionId').set(admin.auth)).status).toBe(400);
  });

  it('reports storage info and deletes a company with its clients and stored files', async () => {
    const company = (await create({ name: `Gone ${randomUUID()}` })).body;
    await t.http.post(`/api/v1/companies/${company.id}/clients`).set(admin.auth).send({ name: 'C1', phone: '+79990001111' }).expect(201);
    const adapter = await t.app
      .get(StorageService)
      .forCompany({ id: company.id, storageType: 'local', storageConnectionId: null, storageFolder: null });
    await adapter.put(`companies/${company.id}/portraits/${randomUUID()}/image.jpg`, Readable.from([Buffer.alloc(1234, 1)]), {
      contentType: 'image/jpeg',
    });
    const info = await t.http.get(`/api/v1/companies/${company.id}/storage-info`).set(admin.auth);
    expect(info.status).toBe(200);
    expect(info.body).toMatchObject({ type: 'local', reachable: true, objectCount: 1, bytesUsed: 1234 });

    const withUser = await makeCompany(t);
    await loginAs(t, 'viewer', withUser.id);
    expect((await t.http.delete(`/api/v1/companies/${withUser.id}`).set(admin.auth)).status).toBe(409);

    const removed = await t.http.delete(`/api/v1/companies/${company.id}`).set(admin.auth);
    expect(removed.status).toBe(200);
    expect(removed.body).toEqual({ id: company.id, deletedClients: 1, deletedObjects: 1, failedObjects: 0 });
    expect((await t.db.query(`SELECT count(*)::int AS n FROM clients WHERE company_id = $1`, [company.id]))[0].n).toBe(0);
    const after = [];
    for await (const object of adapter.list(`companies/${company.id}/`)) after.push(object);
    expect(after).toHaveLength(0);
    expect((await t.http.get(`/api/v1/companies/${company.id}`).set(admin.auth)).status).toBe(404);
  });
});
