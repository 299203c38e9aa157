import { randomBytes } from 'node:crypto';
import { SecretsRotationService } from '../src/security/secrets-rotation.service';
import { SecretsService } from '../src/security/secrets.service';
import { loginAs } from './support/factories';
import { createTestApp, knownSecrets, type TestApp } from './support/test-app';

const OLD_KEY = randomBytes(32).toString('base64url');
const NEW_KEY = randomBytes(32).toString('base64url');
const SECRET_ACCESS_KEY = `rotation-secret-${randomBytes(8).toString('hex')}`;
knownSecrets.add(SECRET_ACCESS_KEY);

describe('secrets:rotate', () => {
  let before: TestApp;
  let after: TestApp | undefined;
  let connectionId: string;

  beforeAll(async () => {
    before = await createTestApp({ env: { DATA_ENCRYPTION_KEY: OLD_KEY } });
    const admin = await loginAs(before, 'admin');
    const created = await before.http.post('/api/v1/storage-connections').set(admin.auth).send({
      name: 'Rotation bucket',
      type: 's3',
      endpoint: 'https://s3.example.com',
      region: 'us-east-1',
      bucket: 'vertex-media',
      accessKeyId: 'AKIAROTATIONEXAMPLE',
      secretAccessKey: SECRET_ACCESS_KEY,
      forcePathStyle: true,
    });
    expect(created.status).toBe(201);
    connectionId = created.body.id as string;
  });
  afterAll(async () => {
    await after?.close();
    await before.close();
  });

  const storedSecrets = async (t: TestApp): Promise<Record<string, string>> =>
    (
      (await t.db.query(`SELECT secrets FROM storage_connections WHERE id = $1`, [connectionId])) as Array<{
        secrets: Record<string, string>;
      }>
    )[0].secrets;

  it('re-encrypts every stored secret under the new key, after a dry run that writes nothing', async () => {
    const dbName = new URL(before.databaseUrl).pathname.slice(1);
    after = await createTestApp({ databaseName: dbName, env: { DATA_ENCRYPTION_KEY: NEW_KEY, DATA_ENCRYPTION_PREVIOUS_KEYS: OLD_KEY } });
    const original = await storedSecrets(after);
    const rotation = after.app.get(SecretsRotationService);
    const secrets = after.app.get(SecretsService);
    expect(secrets.needsRotation(original.secretAccessKey)).toBe(true);

    const dry = await rotation.rotateAll(true);
    expect(dry).toMatchObject({ rotated: 2, failed: [] });
    expect(await storedSecrets(after)).toEqual(original);

    const report = await rotation.rotateAll();
    expect(report).toMatchObject({ rotated: 2, failed: [] });
    const rotated = await storedSecrets(after);
    for (const [field, value] of Object.entries(rotated)) {
      expect(value).toMatch(/^v1\./);
      expect(value).not.toBe(original[field]);
      expect(secrets.needsRotation(value)).toBe(false);
    }
    expect(secrets.decrypt(rotated.secretAccessKey, { table: 'storage_connections', id: connectionId, field: 'secretAccessKey' })).toBe(
      SECRET_ACCESS_KEY,
    );
    // The old-key-only service can no longer read the values; a second run has nothing to do.
    const oldOnly = before.app.get(SecretsService);
    expect(() =>
      oldOnly.decrypt(rotated.secretAccessKey, { table: 'storage_connections', id: connectionId, field: 'secretAccessKey' }),
    ).toThrow();
    expect(await rotation.rotateAll()).toMatchObject({ rotated: 0, current: 2 });
  });

  it('reports values no configured key can decrypt and leaves them unchanged', async () => {
    const stranger = await createTestApp({
      databaseName: new URL(before.databaseUrl).pathname.slice(1),
      env: { DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64url') },
    });
    try {
      const beforeRun = await storedSecrets(stranger);
      const report = await stranger.app.get(SecretsRotationService).rotateAll();
      expect(report.rotated).toBe(0);
      expect(report.failed.map((item) => item.field).sort()).toEqual(['accessKeyId', 'secretAccessKey']);
      expect(await storedSecrets(stranger)).toEqual(beforeRun);
    } finally {
      await stranger.close();
    }
  });
});
