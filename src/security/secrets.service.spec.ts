import { randomBytes } from 'node:crypto';
import { loadConfig } from '@app/config/load-config';
import { SecretDecryptionError, SecretsService } from './secrets.service';

function service(current: string, previous: string[] = []): SecretsService {
  const config = loadConfig({
    NODE_ENV: 'test',
    JWT_SECRET: randomBytes(32).toString('base64url'),
    DATA_ENCRYPTION_KEY: current,
    DATA_ENCRYPTION_PREVIOUS_KEYS: previous.join(','),
    DATA_DIR: '/tmp',
  });
  return new SecretsService(config);
}

const context = { table: 'mail_settings', id: '7f0c1c3e-0a6e-4a55-9a0b-0f7f2d0f9e11', field: 'password' };

describe('SecretsService', () => {
  const key = randomBytes(32).toString('base64url');
  const secrets = service(key);

  it('round-trips and never stores the plaintext', () => {
    const stored = secrets.encrypt('smtp-p@ss', context);
    expect(stored).toMatch(/^v1\.[0-9a-f]{12}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
    expect(stored).not.toContain('smtp-p@ss');
    expect(secrets.decrypt(stored, context)).toBe('smtp-p@ss');
  });

  it('uses a fresh IV for every value', () => {
    expect(secrets.encrypt('same', context)).not.toBe(secrets.encrypt('same', context));
  });

  it('fails closed when any byte of the stored value is flipped', () => {
    const stored = secrets.encrypt('value', context);
    const parts = stored.split('.');
    for (const index of [2, 3, 4]) {
      const bytes = Buffer.from(parts[index], 'base64url');
      bytes[0] ^= 0x01;
      const tampered = [...parts];
      tampered[index] = bytes.toString('base64url');
      expect(() => secrets.decrypt(tampered.join('.'), context)).toThrow(SecretDecryptionError);
    }
  });

  it('binds the record identity: another row or field does not decrypt', () => {
    const stored = secrets.encrypt('value', context);
    expect(() => secrets.decrypt(stored, { ...context, id: 'other' })).toThrow(SecretDecryptionError);
    expect(() => secrets.decrypt(stored, { ...context, field: 'username' })).toThrow(SecretDecryptionError);
    expect(() => secrets.decrypt(stored, { ...context, table: 'storage_connections' })).toThrow(SecretDecryptionError);
  });

  it('refuses a value from a different key', () => {
    const stored = service(randomBytes(32).toString('base64url')).encrypt('value', context);
    expect(() => secrets.decrypt(stored, context)).toThrow(/not configured/);
  });

  it('keeps decrypting values of a previous key after rotation and re-encrypts them', () => {
    const oldStored = secrets.encrypt('rotating', context);
    const rotated = service(randomBytes(32).toString('base64url'), [key]);
    expect(rotated.decrypt(oldStored, context)).toBe('rotating');
    expect(rotated.needsRotation(oldStored)).toBe(true);
    const fresh = rotated.rotate(oldStored, context);
    expect(rotated.needsRotation(fresh)).toBe(false);
    expect(rotated.decrypt(fresh, context)).toBe('rotating');
    expect(() => secrets.decrypt(fresh, context)).toThrow(SecretDecryptionError);
  });
});
