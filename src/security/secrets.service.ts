import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@app/config/app-config';

/** Identifies the record a secret belongs to; bound as additional authenticated data. */
export interface SecretContext {
  table: string;
  id: string;
  field: string;
}

export class SecretDecryptionError extends Error {
  constructor(reason: string) {
    super(`secret could not be decrypted: ${reason}`);
    this.name = 'SecretDecryptionError';
  }
}

const FORMAT_VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HKDF_SALT = Buffer.from('vertex-ar/data-encryption/v1');

interface DataKey {
  id: string;
  key: Buffer;
}

/** Accepts base64/base64url or hex key material of ≥ 32 bytes; anything else is used as UTF-8 text. */
function keyMaterial(text: string): Buffer {
  if (/^[0-9a-fA-F]{64,}$/.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9_-]{43,}={0,2}$/.test(text) || /^[A-Za-z0-9+/]{43,}={0,2}$/.test(text)) {
    const decoded = Buffer.from(text, 'base64');
    if (decoded.length >= 32) return decoded;
  }
  return Buffer.from(text, 'utf8');
}

/** Derives a purpose-bound 256-bit key from the master key (HKDF-SHA256: the master key is random, not a password). */
export function deriveKey(masterKey: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', keyMaterial(masterKey), HKDF_SALT, Buffer.from(purpose), 32));
}

function keyId(key: Buffer): string {
  return createHash('sha256').update('vertex-ar/key-id').update(key).digest('hex').slice(0, 12);
}

function aadOf(context: SecretContext): Buffer {
  return Buffer.from(`${context.table}\u0000${context.id}\u0000${context.field}`, 'utf8');
}

/**
 * Encryption at rest for stored credentials (SMTP password, storage keys, OAuth tokens): AES-256-GCM with a
 * fresh 96-bit IV per value, the record identity as AAD (a ciphertext copied to another row or field does not
 * decrypt) and a key id so old keys keep decrypting during rotation. Stored form:
 * `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url parts).
 */
@Injectable()
export class SecretsService {
  private readonly current: DataKey;
  private readonly keys = new Map<string, DataKey>();

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const all = [config.security.dataEncryptionKey, ...config.security.previousDataEncryptionKeys].map((master) => {
      const key = deriveKey(master, 'secrets-at-rest');
      return { id: keyId(key), key };
    });
    this.current = all[0];
    for (const dataKey of all) if (!this.keys.has(dataKey.id)) this.keys.set(dataKey.id, dataKey);
  }

  get currentKeyId(): string {
    return this.current.id;
  }

  encrypt(plaintext: string, context: SecretContext): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aadOf(context));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [FORMAT_VERSION, this.current.id, iv.toString('base64url'), tag.toString('base64url'), ciphertext.toString('base64url')].join(
      '.',
    );
  }

  /** Fails closed: any change to the stored value, its context or the key throws `SecretDecryptionError`. */
  decrypt(stored: string, context: SecretContext): string {
    const parts = stored.split('.');
    if (parts.length !== 5 || parts[0] !== FORMAT_VERSION) throw new SecretDecryptionError('unknown format');
    const [, id, ivText, tagText, ciphertextText] = parts;
    const dataKey = this.keys.get(id);
    if (!dataKey) throw new SecretDecryptionError('encrypted with a key that is not configured');
    const iv = Buffer.from(ivText, 'base64url');
    const tag = Buffer.from(tagText, 'base64url');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new SecretDecryptionError('malformed');
    try {
      const decipher = createDecipheriv('aes-256-gcm', dataKey.key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(aadOf(context));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(Buffer.from(ciphertextText, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretDecryptionError('authentication failed');
    }
  }

  /** True when the value was encrypted under an older key and should be re-encrypted. */
  needsRotation(stored: string): boolean {
    return stored.split('.')[1] !== this.current.id;
  }

  /** Re-encrypts a value under the current key (used by `cli secrets:rotate`). */
  rotate(stored: string, context: SecretContext): string {
    return this.needsRotation(stored) ? this.encrypt(this.decrypt(stored, context), context) : stored;
  }
}
