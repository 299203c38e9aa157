import { randomBytes } from 'node:crypto';
import { mkdir, open, realpath, rename, rm, stat, unlink, opendir } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  resolveRange,
  type ByteRange,
  type GetResult,
  type ListedObject,
  type ObjectInfo,
  type PutOptions,
  type StorageAdapter,
  type StorageTestResult,
} from '../storage-adapter';
import { InvalidStorageKeyError, ObjectNotFoundError, RangeNotSatisfiableError, StorageUnavailableError } from '../storage-errors';
import { validateKey, validateListPrefix } from '../storage-keys';
import { contentTypeOf } from './content-type';

const TEMP_SUFFIX = '.upload-tmp';
const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

function isNotFound(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}

function unavailable(error: unknown): StorageUnavailableError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? 'unknown error';
  return new StorageUnavailableError(`local file system: ${code}`, { cause: error });
}

/**
 * Files under one root folder. Keys map to paths below the root and every resolved path is checked to stay
 * there (lexically and after resolving symlinks of the parent). Writes go to a temp file in the target folder,
 * are fsynced and then renamed over the target, so readers never see a partial file. Folders 0700, files 0600.
 */
export class LocalStorageAdapter implements StorageAdapter {
  readonly kind = 'local' as const;
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** Absolute path of a key; throws when it would leave the root. */
  pathOf(key: string): string {
    validateKey(key);
    const full = resolve(this.root, key);
    const rel = relative(this.root, full);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) throw new InvalidStorageKeyError('path leaves the storage root');
    return full;
  }

  private async ensureDirectoryInsideRoot(directory: string): Promise<void> {
    await mkdir(this.root, { recursive: true, mode: DIR_MODE });
    await mkdir(directory, { recursive: true, mode: DIR_MODE });
    const [realRoot, realDirectory] = await Promise.all([realpath(this.root), realpath(directory)]);
    if (realDirectory !== realRoot && !realDirectory.startsWith(realRoot + sep)) {
      throw new InvalidStorageKeyError('path leaves the storage root through a symbolic link');
    }
  }

  async put(key: string, body: Readable, options: PutOptions): Promise<ObjectInfo> {
    const target = this.pathOf(key);
    const directory = dirname(target);
    const temp = join(directory, `.${basename(target)}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
    try {
      await this.ensureDirectoryInsideRoot(directory);
      await pipeline(body, createWriteStream(temp, { flags: 'wx', mode: FILE_MODE }));
      const handle = await open(temp, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true }).catch(() => undefined);
      if (error instanceof InvalidStorageKeyError) throw error;
      // A failing source stream (e.g. a client abort) is the caller's error, not the disk's.
      if (body.errored || body.destroyed) throw error;
      throw unavailable(error);
    }
    const info = await stat(target);
    return { size: info.size, contentType: options.contentType, lastModified: info.mtime };
  }

  async get(key: string, range?: ByteRange): Promise<GetResult> {
    const path = this.pathOf(key);
    let handle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      if (isNotFound(error)) throw new ObjectNotFoundError(key);
      throw unavailable(error);
    }
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw new ObjectNotFoundError(key);
      const base = { size: info.size, contentType: contentTypeOf(key), lastModified: info.mtime };
      if (!range) return { ...base, stream: handle.createReadStream() };
      const { start, end } = resolveRange(range, info.size, () => new RangeNotSatisfiableError(info.size));
      return { ...base, stream: handle.createReadStream({ start, end }), contentRange: { start, end, size: info.size } };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async head(key: string): Promise<ObjectInfo> {
    const path = this.pathOf(key);
    try {
      const info = await stat(path);
      if (!info.isFile()) throw new ObjectNotFoundError(key);
      return { size: info.size, contentType: contentTypeOf(key), lastModified: info.mtime };
    } catch (error) {
      if (error instanceof ObjectNotFoundError) throw error;
      if (isNotFound(error)) throw new ObjectNotFoundError(key);
      throw unavailable(error);
    }
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    try {
      await unlink(path);
    } catch (error) {
      if (isNotFound(error)) return;
      throw unavailable(error);
    }
  }

  async *list(prefix: string): AsyncIterable<ListedObject> {
    const cleaned = validateListPrefix(prefix);
    const start = cleaned === '' ? this.root : this.pathOf(cleaned);
    yield* this.walk(start);
  }

  private async *walk(directory: string): AsyncIterable<ListedObject> {
    let entries;
    try {
      entries = await opendir(directory);
    } catch (error) {
      if (isNotFound(error)) return;
      throw unavailable(error);
    }
    for await (const entry of entries) {
      const full = join(directory, entry.name);
      if (entry.isDirectory()) yield* this.walk(full);
      else if (entry.isFile() && !entry.name.endsWith(TEMP_SUFFIX)) {
        const info = await stat(full).catch(() => null);
        if (info) yield { key: relative(this.root, full).split(sep).join('/'), size: info.size, lastModified: info.mtime };
      }
    }
  }

  signedUrl(): Promise<string | null> {
    return Promise.resolve(null);
  }

  async test(): Promise<StorageTestResult> {
    const probe = join(this.root, `.probe-${randomBytes(6).toString('hex')}`);
    try {
      await mkdir(this.root, { recursive: true, mode: DIR_MODE });
      const handle = await open(probe, 'wx', FILE_MODE);
      await handle.close();
      await unlink(probe);
      return { ok: true, message: 'The storage folder is writable' };
    } catch (error) {
      return { ok: false, message: `The storage folder is not writable (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
    }
  }
}
