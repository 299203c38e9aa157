import { Readable } from 'node:stream';
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
import { ObjectNotFoundError, RangeNotSatisfiableError, StorageUnavailableError } from '../storage-errors';
import { joinKey, validateKey, validateListPrefix, validatePrefix } from '../storage-keys';
import { ByteCounter, IdleTimeout } from './stream-utils';
import { YandexDiskApiError, YandexDiskClient, type YandexDiskClientOptions } from './yandex-disk.client';

export interface YandexDiskAdapterOptions extends YandexDiskClientOptions {
  /** Folder on the disk that holds everything (connection base path + company folder); validated. */
  prefix?: string;
}

interface Resource {
  name: string;
  path: string;
  type: 'dir' | 'file';
  size?: number;
  mime_type?: string;
  modified?: string;
  _embedded?: { items: Resource[]; total?: number; limit?: number; offset?: number };
}

interface Link {
  href: string;
  method?: string;
}

export interface FolderEntry {
  name: string;
  path: string;
}

const PAGE = 100;

function describe(error: unknown): string {
  if (error instanceof YandexDiskApiError) {
    if (error.status === 401 || error.code === 'UnauthorizedError') return 'Yandex Disk rejected the OAuth token (expired or revoked)';
    if (error.status === 403) return 'The OAuth token lacks the permissions this needs (cloud_api:disk.read/write)';
    if (error.status === 507) return 'The Yandex Disk is full';
    return `Yandex Disk answered ${error.status} (${error.code})`;
  }
  if (error instanceof StorageUnavailableError) return error.message.replace(/^storage unavailable: /, '');
  return 'Yandex Disk request failed';
}

/**
 * Files on a Yandex Disk through its REST API: upload = ask for an upload link, then PUT the stream to it;
 * download = ask for a download link, then GET it (with Range). Parent folders are created on demand. The OAuth
 * token goes only to the API host, never to the upload/download hosts (their links are pre-authorised).
 */
export class YandexDiskStorageAdapter implements StorageAdapter {
  readonly kind = 'yandex_disk' as const;
  private readonly client: YandexDiskClient;
  private readonly prefix: string;
  private readonly knownFolders = new Set<string>();
  private readonly allowHttpLinks: boolean;

  constructor(options: YandexDiskAdapterOptions) {
    this.client = new YandexDiskClient(options);
    this.prefix = validatePrefix(options.prefix);
    this.allowHttpLinks = options.apiUrl.startsWith('http://');
  }

  private diskPath(relative: string): string {
    return `disk:/${joinKey(this.prefix, relative)}`;
  }

  private fail(error: unknown, key?: string): Error {
    if (key !== undefined && error instanceof YandexDiskApiError && error.status === 404) return new ObjectNotFoundError(key);
    if (error instanceof StorageUnavailableError || error instanceof ObjectNotFoundError || error instanceof RangeNotSatisfiableError)
      return error;
    return new StorageUnavailableError(describe(error), { cause: error });
  }

  private checkLink(href: string): URL {
    const url = new URL(href);
    if (url.protocol !== 'https:' && !(this.allowHttpLinks && url.protocol === 'http:')) {
      throw new StorageUnavailableError('Yandex Disk returned a link that is not https');
    }
    return url;
  }

  /** Creates a folder and its missing parents (an existing folder is fine). */
  async mkdirs(relative: string): Promise<void> {
    const segments = relative === '' ? [] : relative.split('/');
    const all = [...(this.prefix === '' ? [] : this.prefix.split('/')), ...segments];
    let path = '';
    for (const segment of all) {
      path = path === '' ? segment : `${path}/${segment}`;
      if (this.knownFolders.has(path)) continue;
      try {
        await this.client.json('PUT', '/resources', { path: `disk:/${path}` }, true);
      } catch (error) {
        if (!(error instanceof YandexDiskApiError && error.status === 409 && error.code === 'DiskPathPointsToExistentDirectoryError')) {
          throw this.fail(error);
        }
      }
      this.knownFolders.add(path);
    }
  }

  async put(key: string, body: Readable, options: PutOptions): Promise<ObjectInfo> {
    validateKey(key);
    const slash = key.lastIndexOf('/');
    await this.mkdirs(slash === -1 ? '' : key.slice(0, slash));
    let link: Link | null;
    try {
      link = await this.client.json<Link>('GET', '/resources/upload', { path: this.diskPath(key), overwrite: 'true' }, true);
    } catch (error) {
      throw this.fail(error);
    }
    if (!link?.href) throw new StorageUnavailableError('Yandex Disk returned no upload link');
    const url = this.checkLink(link.href);
    const idle = new IdleTimeout(this.client.timeoutMs);
    const counter = new ByteCounter(idle.touch);
    body.on('error', (error) => counter.destroy(error));
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'PUT',
        headers: { 'Content-Type': options.contentType },
        body: body.pipe(counter) as unknown as RequestInit['body'],
        duplex: 'half',
        signal: idle.signal,
        redirect: 'error',
      } as RequestInit);
    } catch (error) {
      idle.clear();
      if (body.errored) throw body.errored;
      throw new StorageUnavailableError('the upload to Yandex Disk failed (network error or timeout)', { cause: error });
    }
    idle.clear();
    await response.body?.cancel();
    if (response.status === 507 || response.status === 413) throw new StorageUnavailableError('the Yandex Disk is full');
    if (response.status !== 201 && response.status !== 202 && response.status !== 200) {
      throw new StorageUnavailableError(`the upload to Yandex Disk was refused (HTTP ${response.status})`);
    }
    return { size: counter.bytes, contentType: options.contentType };
  }

  async head(key: string): Promise<ObjectInfo> {
    validateKey(key);
    let resource: Resource | null;
    try {
      resource = await this.client.json<Resource>(
        'GET',
        '/resources',
        { path: this.diskPath(key), fields: 'name,path,type,size,mime_type,modified' },
        true,
      );
    } catch (error) {
      throw this.fail(error, key);
    }
    if (!resource || resource.type !== 'file') throw new ObjectNotFoundError(key);
    return {
      size: resource.size ?? 0,
      contentType: resource.mime_type ?? 'application/octet-stream',
      lastModified: resource.modified ? new Date(resource.modified) : undefined,
    };
  }

  async get(key: string, range?: ByteRange): Promise<GetResult> {
    const info = await this.head(key);
    const resolved = range ? resolveRange(range, info.size, () => new RangeNotSatisfiableError(info.size)) : undefined;
    let link: Link | null;
    try {
      link = await this.client.json<Link>('GET', '/resources/download', { path: this.diskPath(key) }, true);
    } catch (error) {
      throw this.fail(error, key);
    }
    if (!link?.href) throw new StorageUnavailableError('Yandex Disk returned no download link');
    const url = this.checkLink(link.href);
    const idle = new IdleTimeout(this.client.timeoutMs);
    let response: Response;
    try {
      response = await fetch(url, {
        headers: resolved ? { Range: `bytes=${resolved.start}-${resolved.end}` } : {},
        signal: idle.signal,
      });
    } catch (error) {
      idle.clear();
      throw new StorageUnavailableError('the download from Yandex Disk failed (network error or timeout)', { cause: error });
    }
    if (response.status === 404) {
      idle.clear();
      throw new ObjectNotFoundError(key);
    }
    if (!response.body || (resolved ? response.status !== 206 : response.status !== 200)) {
      idle.clear();
      await response.body?.cancel();
      throw new StorageUnavailableError(`the download from Yandex Disk failed (HTTP ${response.status})`);
    }
    const counter = new ByteCounter(idle.touch);
    const source = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream);
    pipeline(source, counter).then(
      () => idle.clear(),
      () => idle.clear(),
    );
    return {
      stream: counter,
      size: info.size,
      contentType: info.contentType,
      lastModified: info.lastModified,
      ...(resolved ? { contentRange: { ...resolved, size: info.size } } : {}),
    };
  }

  async delete(key: string): Promise<void> {
    validateKey(key);
    try {
      await this.client.json('DELETE', '/resources', { path: this.diskPath(key), permanently: 'true' }, true);
    } catch (error) {
      if (error instanceof YandexDiskApiError && error.status === 404) return;
      throw this.fail(error);
    }
  }

  private async *listFolder(relative: string): AsyncIterable<Resource> {
    for (let offset = 0; ; offset += PAGE) {
      let resource: Resource | null;
      try {
        resource = await this.client.json<Resource>('GET', '/resources', { path: this.diskPath(relative), limit: PAGE, offset }, true);
      } catch (error) {
        if (error instanceof YandexDiskApiError && error.status === 404) return;
        throw this.fail(error);
      }
      const items = resource?._embedded?.items ?? [];
      yield* items;
      if (items.length < PAGE) return;
    }
  }

  async *list(prefix: string): AsyncIterable<ListedObject> {
    const start = validateListPrefix(prefix);
    const pending = [start];
    while (pending.length > 0) {
      const folder = pending.shift() as string;
      for await (const item of this.listFolder(folder)) {
        const key = joinKey(folder, item.name);
        if (item.type === 'dir') pending.push(key);
        else yield { key, size: item.size ?? 0, lastModified: item.modified ? new Date(item.modified) : undefined };
      }
    }
  }

  /** Sub-folders of a folder under the adapter prefix (for the admin's folder picker). */
  async folders(relative: string, limit: number, offset: number): Promise<{ items: FolderEntry[]; total: number | null }> {
    const folder = validatePrefix(relative, 'path');
    let resource: Resource | null;
    try {
      resource = await this.client.json<Resource>('GET', '/resources', { path: this.diskPath(folder), limit, offset, sort: 'name' }, true);
    } catch (error) {
      if (error instanceof YandexDiskApiError && error.status === 404) throw new ObjectNotFoundError(folder);
      throw this.fail(error);
    }
    if (!resource || resource.type !== 'dir') throw new ObjectNotFoundError(folder);
    const items = (resource._embedded?.items ?? [])
      .filter((item) => item.type === 'dir')
      .map((item) => ({ name: item.name, path: joinKey(folder, item.name) }));
    return { items, total: resource._embedded?.total ?? null };
  }

  signedUrl(): Promise<string | null> {
    return Promise.resolve(null);
  }

  /** Checks the token against the disk info endpoint, then that the base folder exists. */
  async test(): Promise<StorageTestResult> {
    let disk: { total_space?: number; used_space?: number } | null;
    try {
      disk = await this.client.json('GET', '', {}, true);
    } catch (error) {
      return { ok: false, message: describe(error) };
    }
    if (this.prefix !== '') {
      try {
        const folder = await this.client.json<Resource>('GET', '/resources', { path: `disk:/${this.prefix}`, limit: 0 }, true);
        if (folder?.type !== 'dir') return { ok: false, message: `"${this.prefix}" on the disk is not a folder` };
      } catch (error) {
        if (error instanceof YandexDiskApiError && error.status === 404)
          return { ok: false, message: `The folder "${this.prefix}" does not exist on the disk` };
        return { ok: false, message: describe(error) };
      }
    }
    const free = disk?.total_space !== undefined && disk.used_space !== undefined ? disk.total_space - disk.used_space : null;
    return { ok: true, message: `Yandex Disk is reachable${free !== null ? ` (${Math.floor(free / 1024 ** 2)} MiB free)` : ''}` };
  }
}
