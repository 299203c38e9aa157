import { createHash } from 'node:crypto';
import { Transform, type Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { BackupIntegrityError, DecryptStream } from './backup-crypto';

/** A fixed mtime keeps archive bytes independent of when entries were written (only the content matters). */
const ENTRY_MTIME = new Date(0);

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Adds one in-memory entry; resolves once tar-stream has taken it (respects the consumer's backpressure). */
export function addBufferEntry(pack: tar.Pack, name: string, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry({ name, size: data.length, mode: 0o600, mtime: ENTRY_MTIME }, data, (error) => (error ? reject(error) : resolve()));
  });
}

/**
 * Streams `source` (exactly `size` bytes) into an entry; returns the SHA-256 of what was written. `onChunk`
 * sees each chunk's length and may throw to abort (the error fails the pipeline, nothing is left dangling).
 */
export async function addStreamEntry(
  pack: tar.Pack,
  name: string,
  size: number,
  source: Readable,
  onChunk: (bytes: number) => void = () => undefined,
): Promise<string> {
  const hash = createHash('sha256');
  let sink: NodeJS.WritableStream | null = null;
  const done = new Promise<void>((resolve, reject) => {
    sink = pack.entry({ name, size, mode: 0o600, mtime: ENTRY_MTIME }, (error) =>
      error ? reject(error) : resolve(),
    ) as unknown as Writable;
  });
  done.catch(() => undefined);
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      try {
        hash.update(chunk);
        onChunk(chunk.length);
        callback(null, chunk);
      } catch (error) {
        callback(error as Error);
      }
    },
  });
  try {
    await pipeline(source, meter, sink!);
  } catch (error) {
    (sink as unknown as Writable | null)?.destroy(error as Error);
    throw error;
  }
  await done;
  return hash.digest('hex');
}

export interface ArchiveEntry {
  name: string;
  size: number;
  stream: Readable;
}

/**
 * Decrypts an archive and hands each tar entry to `onEntry` in order (the entry must be consumed before the
 * next one arrives). Rejects with `BackupIntegrityError` when the archive was altered, truncated or
 * encrypted with another key.
 */
export async function readArchive(source: Readable, archiveKey: Buffer, onEntry: (entry: ArchiveEntry) => Promise<void>): Promise<void> {
  const extract = tar.extract();
  const feeding = pipeline(source, new DecryptStream(archiveKey), extract);
  feeding.catch(() => undefined);
  try {
    for await (const entry of extract) {
      const header = entry.header;
      if (header.type !== 'file' || typeof header.size !== 'number') throw new BackupIntegrityError(`unexpected entry ${header.name}`);
      await onEntry({ name: header.name, size: header.size, stream: entry as unknown as Readable });
      // Whatever the handler left unread is drained, so the extractor can move on.
      entry.resume();
    }
    await feeding;
  } catch (error) {
    source.destroy();
    const fed = await feeding.then(
      () => null,
      (feedError: unknown) => feedError,
    );
    // The decryptor's error (tampering) is the real cause when the tar parser fails after it.
    if (fed instanceof BackupIntegrityError) throw fed;
    if (error instanceof BackupIntegrityError) throw error;
    if (fed instanceof Error && /tar|header|Unexpected end/i.test(String((error as Error)?.message)))
      throw new BackupIntegrityError('invalid tar data');
    throw error;
  }
}

/** Reads a stream to its end, hashing it; returns the byte count and SHA-256. */
export async function drainHashed(stream: Readable): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { bytes, sha256: hash.digest('hex') };
}
