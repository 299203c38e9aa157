import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { deriveKey } from '@app/security/secrets.service';

/**
 * The encrypted archive format (`.vbak`), version 1:
 *
 *   header  = "VXARBAK1" (8) | chunk size u32 BE (4) | file nonce (16, random)          — 28 bytes
 *   chunk*  = plaintext length u32 BE (4) | AES-256-GCM ciphertext | tag (16)
 *
 * File key = HKDF-SHA256(deriveKey(DATA_ENCRYPTION_KEY, 'backups'), salt = file nonce, info = 'vxar-backup/chunks'),
 * so no two files share a key; chunk IV = 4 zero bytes | chunk index u64 BE (unique per key). AAD = header |
 * chunk index u64 | final flag (1 on the last chunk, which may be empty). Reordered, dropped, duplicated or
 * truncated chunks, trailing bytes and a changed header all fail authentication; plaintext of a chunk is only
 * released after its tag checked.
 */
export const ARCHIVE_MAGIC = Buffer.from('VXARBAK1', 'ascii');
export const HEADER_BYTES = 28;
export const DEFAULT_CHUNK_BYTES = 64 * 1024;
const MAX_CHUNK_BYTES = 16 * 1024 * 1024;
const TAG_BYTES = 16;

export class BackupIntegrityError extends Error {
  constructor(reason: string) {
    super(`backup archive is damaged or was encrypted with another key: ${reason}`);
    this.name = 'BackupIntegrityError';
  }
}

export interface BackupKeys {
  archive: Buffer;
  manifest: Buffer;
}

/** Both backup keys, derived from the master key with purpose labels (the master key itself is never written). */
export function backupKeys(masterKey: string): BackupKeys {
  return { archive: deriveKey(masterKey, 'backups'), manifest: deriveKey(masterKey, 'backup-manifest') };
}

function fileKey(archiveKey: Buffer, nonce: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', archiveKey, nonce, Buffer.from('vxar-backup/chunks'), 32));
}

function ivOf(index: bigint): Buffer {
  const iv = Buffer.alloc(12);
  iv.writeBigUInt64BE(index, 4);
  return iv;
}

function aadOf(header: Buffer, index: bigint, final: boolean): Buffer {
  const tail = Buffer.alloc(9);
  tail.writeBigUInt64BE(index, 0);
  tail[8] = final ? 1 : 0;
  return Buffer.concat([header, tail]);
}

/** Plaintext in, `.vbak` bytes out. */
export class EncryptStream extends Transform {
  private readonly header: Buffer;
  private readonly key: Buffer;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private index = 0n;

  constructor(
    archiveKey: Buffer,
    private readonly chunkBytes = DEFAULT_CHUNK_BYTES,
  ) {
    super();
    const nonce = randomBytes(16);
    const size = Buffer.alloc(4);
    size.writeUInt32BE(chunkBytes, 0);
    this.header = Buffer.concat([ARCHIVE_MAGIC, size, nonce]);
    this.key = fileKey(archiveKey, nonce);
    this.push(this.header);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    // Only emit while more than one chunk is buffered: the final chunk (flag 1) is whatever remains at the end.
    while (this.pendingBytes > this.chunkBytes) {
      const all = Buffer.concat(this.pending);
      this.pushChunk(all.subarray(0, this.chunkBytes), false);
      this.pending = [all.subarray(this.chunkBytes)];
      this.pendingBytes = all.length - this.chunkBytes;
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    this.pushChunk(Buffer.concat(this.pending), true);
    this.pending = [];
    callback();
  }

  private pushChunk(plain: Buffer, final: boolean): void {
    const cipher = createCipheriv('aes-256-gcm', this.key, ivOf(this.index), { authTagLength: TAG_BYTES });
    cipher.setAAD(aadOf(this.header, this.index, final));
    const length = Buffer.alloc(4);
    length.writeUInt32BE(plain.length, 0);
    this.push(Buffer.concat([length, cipher.update(plain), cipher.final(), cipher.getAuthTag()]));
    this.index += 1n;
  }
}

/** `.vbak` bytes in, authenticated plaintext out; errors with `BackupIntegrityError` on any damage. */
export class DecryptStream extends Transform {
  private buffer: Buffer = Buffer.alloc(0);
  private header: Buffer | null = null;
  private key: Buffer | null = null;
  private chunkBytes = 0;
  private index = 0n;
  private finished = false;

  constructor(private readonly archiveKey: Buffer) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    try {
      this.drain();
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.drain();
      if (!this.finished) throw new BackupIntegrityError(this.header ? 'truncated (no final chunk)' : 'not a backup archive');
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  private drain(): void {
    if (!this.header) {
      if (this.buffer.length < HEADER_BYTES) return;
      const header = this.buffer.subarray(0, HEADER_BYTES);
      if (!header.subarray(0, 8).equals(ARCHIVE_MAGIC)) throw new BackupIntegrityError('not a backup archive');
      this.chunkBytes = header.readUInt32BE(8);
      if (this.chunkBytes < 1 || this.chunkBytes > MAX_CHUNK_BYTES) throw new BackupIntegrityError('bad chunk size');
      this.header = Buffer.from(header);
      this.key = fileKey(this.archiveKey, header.subarray(12, 28));
      this.buffer = this.buffer.subarray(HEADER_BYTES);
    }
    while (this.buffer.length >= 4) {
      if (this.finished) throw new BackupIntegrityError('data after the final chunk');
      const length = this.buffer.readUInt32BE(0);
      if (length > this.chunkBytes) throw new BackupIntegrityError('bad chunk length');
      const total = 4 + length + TAG_BYTES;
      if (this.buffer.length < total) return;
      const body = this.buffer.subarray(4, 4 + length);
      const tag = this.buffer.subarray(4 + length, total);
      // A shorter chunk can only be the final one; a full-size chunk is usually not (the writer emits a
      // non-final chunk only while more data follows), but the last one may be full-size too.
      const plain = length < this.chunkBytes ? this.open(body, tag, true) : (this.open(body, tag, false) ?? this.open(body, tag, true));
      if (!plain) throw new BackupIntegrityError(`chunk ${this.index} failed authentication`);
      this.finished = plain.final;
      this.buffer = this.buffer.subarray(total);
      this.index += 1n;
      if (plain.data.length > 0) this.push(plain.data);
    }
  }

  private open(body: Buffer, tag: Buffer, final: boolean): { data: Buffer; final: boolean } | null {
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key!, ivOf(this.index), { authTagLength: TAG_BYTES });
      decipher.setAAD(aadOf(this.header!, this.index, final));
      decipher.setAuthTag(tag);
      return { data: Buffer.concat([decipher.update(body), decipher.final()]), final };
    } catch {
      return null;
    }
  }
}

export const MANIFEST_FORMAT = 'vertex-ar-backup-manifest/1';

/** The manifest file: the manifest JSON text and an HMAC-SHA256 over exactly that text (key purpose 'backup-manifest'). */
export function sealManifest(manifest: object, manifestKey: Buffer): string {
  const text = JSON.stringify(manifest);
  const mac = createHmac('sha256', manifestKey).update(text).digest('base64url');
  return `${JSON.stringify({ format: MANIFEST_FORMAT, manifest: text, mac }, null, 2)}\n`;
}

/** Parses and authenticates a manifest file; throws `BackupIntegrityError` when it was edited or sealed with another key. */
export function openManifest<T>(fileText: string, manifestKey: Buffer): T {
  let outer: { format?: unknown; manifest?: unknown; mac?: unknown };
  try {
    outer = JSON.parse(fileText) as typeof outer;
  } catch {
    throw new BackupIntegrityError('manifest is not JSON');
  }
  if (outer.format !== MANIFEST_FORMAT || typeof outer.manifest !== 'string' || typeof outer.mac !== 'string') {
    throw new BackupIntegrityError('unknown manifest format');
  }
  const expected = createHmac('sha256', manifestKey).update(outer.manifest).digest();
  const given = Buffer.from(outer.mac, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw new BackupIntegrityError('manifest authentication failed');
  return JSON.parse(outer.manifest) as T;
}
