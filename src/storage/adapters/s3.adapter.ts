import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import {
  MAX_SIGNED_URL_TTL_SECONDS,
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
import { ByteCounter, limitBytes } from './stream-utils';

export interface S3AdapterOptions {
  endpoint: string;
  region: string;
  bucket: string;
  forcePathStyle: boolean;
  accessKeyId: string;
  secretAccessKey: string;
  /** Key prefix inside the bucket (connection base path + company folder); validated. */
  prefix?: string;
  /** Connect and socket-idle timeout of every request (ms). */
  timeoutMs: number;
}

/** lib-storage multipart: 8 MiB parts, two in flight ⇒ roughly 8 × (2 + 1) = 24 MiB buffered per upload. */
export const S3_PART_SIZE = 8 * 1024 * 1024;
export const S3_QUEUE_SIZE = 2;

const NETWORK_CODES = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE|TimeoutError|socket hang up/i;

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

function nameOf(error: unknown): string {
  const e = error as { name?: string; code?: string } | undefined;
  return e?.code && NETWORK_CODES.test(e.code) ? e.code : (e?.name ?? 'Error');
}

/** Our own wording for S3 failures; the SDK's messages and error bodies are never passed on (they can quote request details). */
export function describeS3Error(error: unknown, bucket: string): string {
  const name = nameOf(error);
  const status = statusOf(error);
  if (name === 'NoSuchBucket' || (name === 'NotFound' && status === 404)) return `Bucket "${bucket}" does not exist`;
  if (['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'Forbidden'].includes(name) || status === 403 || status === 401) {
    return 'Access denied: check the access key, the secret key and the bucket policy';
  }
  if (name === 'PermanentRedirect' || name === 'AuthorizationHeaderMalformed' || status === 301) {
    return 'The bucket is in another region or needs another endpoint';
  }
  if (NETWORK_CODES.test(name) || NETWORK_CODES.test(String((error as Error | undefined)?.message ?? ''))) {
    return `Could not reach the S3 endpoint (${name})`;
  }
  if (status !== undefined && status >= 500) return `The S3 service answered ${status} (${name})`;
  return `S3 request failed (${name}${status ? `, HTTP ${status}` : ''})`;
}

/**
 * An S3-compatible bucket (AWS, MinIO, s3rver). Uploads stream through lib-storage with a bounded part size and
 * queue; checksums are only computed when required (non-AWS servers mis-store aws-chunked bodies otherwise).
 * Range reads are resolved against HEAD first, so suffix and out-of-range requests behave the same everywhere.
 */
export class S3StorageAdapter implements StorageAdapter {
  readonly kind = 's3' as const;
  private readonly client: S3Client;
  private readonly prefix: string;

  constructor(private readonly options: S3AdapterOptions) {
    this.prefix = validatePrefix(options.prefix);
    this.client = new S3Client({
      endpoint: options.endpoint,
      region: options.region,
      forcePathStyle: options.forcePathStyle,
      credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 3,
      requestHandler: { connectionTimeout: options.timeoutMs, requestTimeout: options.timeoutMs },
    });
  }

  private objectKey(key: string): string {
    return joinKey(this.prefix, validateKey(key));
  }

  private fail(error: unknown, key?: string): Error {
    const name = nameOf(error);
    if (key !== undefined && (name === 'NoSuchKey' || (name === 'NotFound' && statusOf(error) === 404)))
      return new ObjectNotFoundError(key);
    return new StorageUnavailableError(describeS3Error(error, this.options.bucket), { cause: error });
  }

  async put(key: string, body: Readable, options: PutOptions): Promise<ObjectInfo> {
    const Key = this.objectKey(key);
    const counter = new ByteCounter();
    body.on('error', (error) => counter.destroy(error));
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.options.bucket, Key, Body: body.pipe(counter), ContentType: options.contentType },
      partSize: S3_PART_SIZE,
      queueSize: S3_QUEUE_SIZE,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (error) {
      if (body.errored) throw body.errored;
      throw this.fail(error);
    }
    return { size: counter.bytes, contentType: options.contentType };
  }

  async head(key: string): Promise<ObjectInfo> {
    const Key = this.objectKey(key);
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key }));
      return { size: out.ContentLength ?? 0, contentType: out.ContentType ?? 'application/octet-stream', lastModified: out.LastModified };
    } catch (error) {
      throw this.fail(error, key);
    }
  }

  async get(key: string, range?: ByteRange): Promise<GetResult> {
    const Key = this.objectKey(key);
    let resolved: { start: number; end: number } | undefined;
    let size: number | undefined;
    if (range) {
      size = (await this.head(key)).size;
      const total = size;
      resolved = resolveRange(range, total, () => new RangeNotSatisfiableError(total));
    }
    let out;
    try {
      out = await this.client.send(
        new GetObjectCommand({ Bucket: this.options.bucket, Key, Range: resolved ? `bytes=${resolved.start}-${resolved.end}` : undefined }),
      );
    } catch (error) {
      if (statusOf(error) === 416 && size !== undefined) throw new RangeNotSatisfiableError(size);
      throw this.fail(error, key);
    }
    const raw = out.Body as Readable;
    const contentType = out.ContentType ?? 'application/octet-stream';
    if (!resolved || size === undefined) {
      return { stream: raw, size: out.ContentLength ?? 0, contentType, lastModified: out.LastModified };
    }
    const served = /^bytes (\d+)-(\d+)\/\d+$/.exec(out.ContentRange ?? '');
    const servedStart = served ? Number(served[1]) : 0;
    if (servedStart !== resolved.start) {
      raw.destroy();
      throw new StorageUnavailableError('the S3 service did not honour the requested range');
    }
    // Some servers (s3rver treats `bytes=0-0` as `bytes=0-`) send more than asked: cut the stream at the range end.
    const stream = limitBytes(raw, resolved.end - resolved.start + 1);
    return { stream, size, contentType, lastModified: out.LastModified, contentRange: { ...resolved, size } };
  }

  async delete(key: string): Promise<void> {
    const Key = this.objectKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key }));
    } catch (error) {
      const failure = this.fail(error, key);
      if (!(failure instanceof ObjectNotFoundError)) throw failure;
    }
  }

  async *list(prefix: string): AsyncIterable<ListedObject> {
    const cleaned = validateListPrefix(prefix);
    const Prefix = joinKey(this.prefix, cleaned);
    const strip = this.prefix === '' ? 0 : this.prefix.length + 1;
    let ContinuationToken: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: Prefix === '' ? undefined : `${Prefix}/`, ContinuationToken }),
        );
      } catch (error) {
        throw this.fail(error);
      }
      for (const item of page.Contents ?? []) {
        if (item.Key) yield { key: item.Key.slice(strip), size: item.Size ?? 0, lastModified: item.LastModified };
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }

  /** A presigned GET for exactly one object, valid for at most 15 minutes. */
  async signedUrl(key: string, ttlSeconds: number): Promise<string> {
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_SIGNED_URL_TTL_SECONDS) {
      throw new RangeError(`ttlSeconds must be an integer from 1 to ${MAX_SIGNED_URL_TTL_SECONDS}`);
    }
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(key) }), {
      expiresIn: ttlSeconds,
    });
  }

  /** Checks the bucket is reachable with these credentials, then writes and deletes a small probe object. */
  async test(): Promise<StorageTestResult> {
    const { bucket } = this.options;
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: bucket }));
    } catch (error) {
      return { ok: false, message: describeS3Error(error, bucket) };
    }
    const probe = joinKey(this.prefix, `.vertex-ar-probe-${randomBytes(6).toString('hex')}`);
    try {
      await this.client.send(new PutObjectCommand({ Bucket: bucket, Key: probe, Body: 'probe', ContentType: 'text/plain' }));
      await this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: probe }));
    } catch (error) {
      return { ok: false, message: `Bucket "${bucket}" is reachable but a test write failed: ${describeS3Error(error, bucket)}` };
    }
    return { ok: true, message: `Bucket "${bucket}" is reachable and writable` };
  }

  destroy(): void {
    this.client.destroy();
  }
}
