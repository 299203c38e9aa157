import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { LocalStorageAdapter } from '../src/storage/adapters/local.adapter';
import { S3StorageAdapter } from '../src/storage/adapters/s3.adapter';
import { YandexDiskStorageAdapter } from '../src/storage/adapters/yandex-disk.adapter';
import type { ListedObject, StorageAdapter } from '../src/storage/storage-adapter';
import {
  InvalidStorageKeyError,
  ObjectNotFoundError,
  RangeNotSatisfiableError,
  StorageUnavailableError,
} from '../src/storage/storage-errors';
import { companyKey } from '../src/storage/storage-keys';
import { startS3Server, type TestS3Server } from './support/s3-server';
import { digest, peakRssGrowth, pseudoRandomStream, readAll } from './support/streams';
import { YandexDiskFake } from './support/yandex-disk-fake';

interface Backend {
  adapter: StorageAdapter;
  stop(): Promise<void>;
}

const MB = 1024 * 1024;

const BACKENDS: Array<[string, () => Promise<Backend>]> = [
  [
    'local',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'vertex-ar-local-'));
      return { adapter: new LocalStorageAdapter(join(dir, 'root')), stop: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  ],
  [
    's3 (s3rver)',
    async () => {
      const server: TestS3Server = await startS3Server();
      const adapter = new S3StorageAdapter({ ...server, forcePathStyle: true, prefix: 'base/folder', timeoutMs: 10_000 });
      return {
        adapter,
        stop: async () => {
          adapter.destroy();
          await server.stop();
        },
      };
    },
  ],
  [
    'yandex-disk (fake)',
    async () => {
      const fake = new YandexDiskFake();
      const apiUrl = await fake.start();
      const adapter = new YandexDiskStorageAdapter({
        oauthToken: fake.token,
        apiUrl,
        timeoutMs: 10_000,
        retryBaseDelayMs: 5,
        prefix: 'Vertex AR/Клиенты',
      });
      return { adapter, stop: () => fake.stop() };
    },
  ],
];

async function listAll(adapter: StorageAdapter, prefix: string): Promise<ListedObject[]> {
  const items: ListedObject[] = [];
  for await (const item of adapter.list(prefix)) items.push(item);
  return items.sort((a, b) => a.key.localeCompare(b.key));
}

describe.each(BACKENDS)('storage adapter contract: %s', (_name, start) => {
  let backend: Backend;
  let adapter: StorageAdapter;
  const company = randomUUID();
  const body = Buffer.from(Array.from({ length: 2000 }, (_, i) => i % 251));

  beforeAll(async () => {
    backend = await start();
    adapter = backend.adapter;
  });
  afterAll(async () => {
    await backend?.stop();
  });

  it('puts, heads, gets, lists and deletes', async () => {
    const key = companyKey(company, 'portraits', randomUUID(), 'image.jpg');
    const stored = await adapter.put(key, Readable.from([body.subarray(0, 1000), body.subarray(1000)]), {
      contentType: 'image/jpeg',
      size: body.length,
    });
    expect(stored.size).toBe(body.length);
    expect(await adapter.head(key)).toMatchObject({ size: body.length, contentType: 'image/jpeg' });
    const got = await adapter.get(key);
    expect(got.size).toBe(body.length);
    expect(got.contentType).toBe('image/jpeg');
    expect((await readAll(got.stream)).equals(body)).toBe(true);

    const other = companyKey(company, 'videos', randomUUID(), 'video.mp4');
    await adapter.put(other, Readable.from([Buffer.from('v')]), { contentType: 'video/mp4' });
    const listed = await listAll(adapter, `companies/${company}`);
    expect(listed.map((item) => item.key)).toEqual([key, other].sort());
    expect(listed.find((item) => item.key === key)?.size).toBe(body.length);
    expect(await listAll(adapter, `companies/${randomUUID()}`)).toEqual([]);

    await adapter.delete(key);
    await expect(adapter.head(key)).rejects.toBeInstanceOf(ObjectNotFoundError);
    await adapter.delete(key); // idempotent
    expect((await listAll(adapter, `companies/${company}/`)).map((item) => item.key)).toEqual([other]);
  });

  it('serves byte ranges: first byte, offset to end, suffix, and refuses out-of-range', async () => {
    const key = companyKey(company, 'range', 'data.bin');
    await adapter.put(key, Readable.from([body]), { contentType: 'application/octet-stream' });

    const first = await adapter.get(key, { start: 0, end: 0 });
    expect(first.contentRange).toEqual({ start: 0, end: 0, size: 2000 });
    expect([...(await readAll(first.stream))]).toEqual([0]);

    const tail = await adapter.get(key, { start: 1500 });
    expect(tail.contentRange).toEqual({ start: 1500, end: 1999, size: 2000 });
    expect((await readAll(tail.stream)).equals(body.subarray(1500))).toBe(true);

    const middle = await adapter.get(key, { start: 10, end: 19 });
    expect((await readAll(middle.stream)).equals(body.subarray(10, 20))).toBe(true);

    const suffix = await adapter.get(key, { suffix: 500 });
    expect(suffix.contentRange).toEqual({ start: 1500, end: 1999, size: 2000 });
    expect((await readAll(suffix.stream)).equals(body.subarray(1500))).toBe(true);

    const beyond = await adapter.get(key, { start: 1990, end: 5000 });
    expect(beyond.contentRange).toEqual({ start: 1990, end: 1999, size: 2000 });
    await readAll(beyond.stream);

    for (const range of [{ start: 2000 }, { start: 5000, end: 6000 }, { start: 10, end: 5 }, { suffix: 0 }]) {
      const error = await adapter.get(key, range).catch((e: unknown) => e);
      expect(error, JSON.stringify(range)).toBeInstanceOf(RangeNotSatisfiableError);
      expect((error as RangeNotSatisfiableError).size).toBe(2000);
      expect((error as RangeNotSatisfiableError).headers['Content-Range']).toBe('bytes */2000');
    }
  });

  it('overwrites an existing object completely', async () => {
    const key = companyKey(company, 'overwrite', 'file.txt');
    await adapter.put(key, Readable.from([Buffer.from('a much longer first version')]), { contentType: 'text/plain' });
    await adapter.put(key, Readable.from([Buffer.from('v2')]), { contentType: 'text/plain' });
    expect((await adapter.head(key)).size).toBe(2);
    expect((await readAll((await adapter.get(key)).stream)).toString()).toBe('v2');
    expect((await listAll(adapter, `companies/${company}/overwrite`)).map((item) => item.key)).toEqual([key]);
  });

  it('reports missing objects with a typed error', async () => {
    const key = companyKey(company, 'missing', randomUUID(), 'nothing.jpg');
    await expect(adapter.get(key)).rejects.toBeInstanceOf(ObjectNotFoundError);
    await expect(adapter.get(key, { start: 0, end: 0 })).rejects.toBeInstanceOf(ObjectNotFoundError);
    await expect(adapter.head(key)).rejects.toBeInstanceOf(ObjectNotFoundError);
  });

  it('validates every key before touching the backend', async () => {
    for (const key of ['../x', '%2e%2e%2fx', `companies/${company}/..%252fx`, '/abs', 'a\\b', 'a\u0000b']) {
      await expect(adapter.put(key, Readable.from([Buffer.from('x')]), { contentType: 'text/plain' })).rejects.toBeInstanceOf(
        InvalidStorageKeyError,
      );
      await expect(adapter.get(key)).rejects.toBeInstanceOf(InvalidStorageKeyError);
      await expect(adapter.head(key)).rejects.toBeInstanceOf(InvalidStorageKeyError);
      await expect(adapter.delete(key)).rejects.toBeInstanceOf(InvalidStorageKeyError);
      await expect(adapter.list(key)[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(InvalidStorageKeyError);
    }
  });

  it('streams a 50 MB object in and out with RSS growth under 64 MB', { timeout: 120_000 }, async () => {
    const key = companyKey(company, 'videos', randomUUID(), 'video.mp4');
    const size = 50 * MB;
    const expected = await digest(pseudoRandomStream(size, 42));
    const measured = await peakRssGrowth(async () => {
      await adapter.put(key, pseudoRandomStream(size, 42), { contentType: 'video/mp4' });
      return digest((await adapter.get(key)).stream);
    });
    expect(measured.result).toEqual(expected);
    expect((await adapter.head(key)).size).toBe(size);
    console.info(
      `[${_name}] 50 MB round trip: peak RSS growth ${(measured.growth / MB).toFixed(1)} MB (gc exposed: ${typeof (globalThis as { gc?: unknown }).gc === 'function'})`,
    );
    expect(measured.growth).toBeLessThan(64 * MB);
  });
});

describe('s3 adapter specifics', () => {
  let server: TestS3Server;
  beforeAll(async () => {
    server = await startS3Server('specifics');
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('signs GET URLs for one object with an expiry of at most 15 minutes', async () => {
    const adapter = new S3StorageAdapter({ ...server, forcePathStyle: true, timeoutMs: 5_000 });
    const key = `companies/${randomUUID()}/portraits/x/image.jpg`;
    await adapter.put(key, Readable.from([Buffer.from('signed')]), { contentType: 'image/jpeg' });
    const url = new URL(await adapter.signedUrl(key, 300));
    expect(url.searchParams.get('X-Amz-Expires')).toBe('300');
    expect(url.pathname).toBe(`/${server.bucket}/${key}`);
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('signed');
    await expect(adapter.signedUrl(key, 901)).rejects.toThrow(RangeError);
    await expect(adapter.signedUrl(key, 0)).rejects.toThrow(RangeError);
    adapter.destroy();
  });

  it('tests honestly: ok for a real bucket, ok:false for a missing bucket and an unreachable host', async () => {
    const good = new S3StorageAdapter({ ...server, forcePathStyle: true, timeoutMs: 5_000 });
    expect(await good.test()).toEqual({ ok: true, message: `Bucket "${server.bucket}" is reachable and writable` });
    const missing = new S3StorageAdapter({ ...server, bucket: 'no-such-bucket', forcePathStyle: true, timeoutMs: 5_000 });
    expect(await missing.test()).toEqual({ ok: false, message: 'Bucket "no-such-bucket" does not exist' });
    // s3rver 3.7 knows one key pair but does not verify SigV4 signatures: a wrong *secret* passes there, a wrong key id does not.
    const wrongKey = new S3StorageAdapter({ ...server, accessKeyId: 'AKIANOTKNOWN', forcePathStyle: true, timeoutMs: 5_000 });
    expect((await wrongKey.test()).message).toMatch(/^Access denied/);
    wrongKey.destroy();
    const unreachable = new S3StorageAdapter({ ...server, endpoint: 'http://127.0.0.1:1', forcePathStyle: true, timeoutMs: 2_000 });
    const result = await unreachable.test();
    expect(result.ok).toBe(false);
    expect(result.message).toMatch(/Could not reach the S3 endpoint/);
    await expect(unreachable.head('companies/x/y')).rejects.toBeInstanceOf(StorageUnavailableError);
    for (const adapter of [good, missing, unreachable]) adapter.destroy();
  });
});

describe('yandex-disk adapter specifics', () => {
  let fake: YandexDiskFake;
  let apiUrl: string;
  beforeAll(async () => {
    fake = new YandexDiskFake();
    apiUrl = await fake.start();
  });
  afterAll(async () => {
    await fake?.stop();
  });

  it('retries idempotent calls on 503 and 429, then gives up with StorageUnavailableError', async () => {
    const adapter = new YandexDiskStorageAdapter({ oauthToken: fake.token, apiUrl, timeoutMs: 5_000, retries: 3, retryBaseDelayMs: 5 });
    const key = `companies/${randomUUID()}/x/file.txt`;
    await adapter.put(key, Readable.from([Buffer.from('retry me')]), { contentType: 'text/plain' });
    fake.failNext(503, 2);
    expect((await adapter.head(key)).size).toBe(8);
    fake.failNext(429, 3);
    expect((await readAll((await adapter.get(key)).stream)).toString()).toBe('retry me');
    fake.failNext(503, 10);
    await expect(adapter.head(key)).rejects.toBeInstanceOf(StorageUnavailableError);
    fake.failNext(503, 0);
    expect(fake.linkAuthorizations).toEqual([]);
  });

  it('reports a rejected token and a missing base folder as failed tests', async () => {
    const wrong = new YandexDiskStorageAdapter({ oauthToken: 'y0_wrong_token_value', apiUrl, timeoutMs: 5_000 });
    expect(await wrong.test()).toEqual({ ok: false, message: 'Yandex Disk rejected the OAuth token (expired or revoked)' });
    await expect(wrong.head(`companies/${randomUUID()}/a.txt`)).rejects.toBeInstanceOf(StorageUnavailableError);
    const noFolder = new YandexDiskStorageAdapter({ oauthToken: fake.token, apiUrl, timeoutMs: 5_000, prefix: 'does-not-exist' });
    expect(await noFolder.test()).toEqual({ ok: false, message: 'The folder "does-not-exist" does not exist on the disk' });
    const ok = new YandexDiskStorageAdapter({ oauthToken: fake.token, apiUrl, timeoutMs: 5_000 });
    expect((await ok.test()).ok).toBe(true);
  });

  it('lists sub-folders with paging', async () => {
    for (let i = 0; i < 5; i++) fake.mkdirp(`browse/f${i}`);
    const adapter = new YandexDiskStorageAdapter({ oauthToken: fake.token, apiUrl, timeoutMs: 5_000, prefix: 'browse' });
    const page = await adapter.folders('', 2, 2);
    expect(page).toEqual({
      items: [
        { name: 'f2', path: 'f2' },
        { name: 'f3', path: 'f3' },
      ],
      total: 5,
    });
    await expect(adapter.folders('nope', 10, 0)).rejects.toBeInstanceOf(ObjectNotFoundError);
  });
});
