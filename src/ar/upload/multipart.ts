import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import type { Request, Response } from 'express';
import type { VideoContainer } from '@app/ar/content/entities/video.entity';
import { loadFileTypeStream } from './file-type-loader';
import { readImageHeader, type ImageHeader } from './image-header';
import { badUpload, tooLarge, unsupportedType } from './upload-errors';

export type FileKind = 'image' | 'video';

/** Accepted types by what file-type detects from the first bytes (never the name or the client's MIME type). */
const ACCEPTED: Record<FileKind, Record<string, string>> = {
  image: { jpg: 'image/jpeg', png: 'image/png', webp: 'image/webp' },
  video: { mp4: 'video/mp4', m4v: 'video/mp4', mov: 'video/quicktime', webm: 'video/webm' },
};
const ACCEPTED_TEXT: Record<FileKind, string> = { image: 'a JPEG, PNG or WebP image', video: 'an MP4, QuickTime or WebM video' };
export const CONTAINER_BY_EXT: Record<string, VideoContainer> = { mp4: 'mp4', m4v: 'mp4', mov: 'mov', webm: 'webm' };

/** Image caps of PRODUCT.md §5, checked on the header before any decoder runs. */
export const IMAGE_LIMITS = { minSide: 480, maxSide: 8192, maxPixels: 50_000_000 };
const HEADER_SEARCH_BYTES = 512 * 1024;
const SNIFF_BYTES = 4100;
const FIELD_MAX_BYTES = 10 * 1024;

export interface FileRule {
  kind: FileKind;
  required: boolean;
  maxBytes: number;
}

export interface MultipartRules {
  /** Allowed text fields (any other name is a 400). */
  fields: readonly string[];
  files: Record<string, FileRule>;
  tmpDir: string;
}

export interface UploadedFile {
  field: string;
  kind: FileKind;
  /** Temp file under DATA_DIR/tmp; removed by `dispose()`. */
  path: string;
  size: number;
  sha256: string;
  ext: string;
  mime: string;
  /** Images: the dimensions from the header. */
  header?: ImageHeader;
}

export interface ParsedMultipart {
  fields: Record<string, string>;
  files: Record<string, UploadedFile>;
  dispose(): Promise<void>;
}

function dimensionProblem(header: ImageHeader): string | null {
  const { width, height } = header;
  const { minSide, maxSide, maxPixels } = IMAGE_LIMITS;
  if (width < minSide || height < minSide) return `image must be at least ${minSide}×${minSide} px (got ${width}×${height})`;
  if (width > maxSide || height > maxSide) return `image must be at most ${maxSide} px per side (got ${width}×${height})`;
  if (width * height > maxPixels) return `image must have at most ${maxPixels / 1_000_000} megapixels`;
  return null;
}

/** Finds the dimensions in the first bytes and refuses a pixel flood before the rest is even received. */
class ImageHeaderCheck extends Transform {
  header: ImageHeader | undefined;
  private head = Buffer.alloc(0);

  constructor(private readonly field: string) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (!this.header) {
      this.head = Buffer.concat([this.head, chunk]).subarray(0, HEADER_SEARCH_BYTES);
      const found = readImageHeader(this.head);
      if (found === null) return callback(badUpload(this.field, 'the image header cannot be read'));
      if (found) {
        const problem = dimensionProblem(found);
        if (problem) return callback(badUpload(this.field, problem));
        this.header = found;
        this.head = Buffer.alloc(0);
      } else if (this.head.length >= HEADER_SEARCH_BYTES) {
        return callback(badUpload(this.field, 'no image dimensions in the first 512 KB'));
      }
    }
    callback(null, chunk);
  }
}

/** The largest body the rules can accept: every file at its cap, every field at 10 KB, 64 KB of multipart framing. */
export function maxBodyBytes(rules: MultipartRules): number {
  const files = Object.values(rules.files).reduce((sum, rule) => sum + rule.maxBytes, 0);
  return files + rules.fields.length * FIELD_MAX_BYTES + 64 * 1024;
}

/**
 * Streams a multipart body with busboy: text fields are small strings (≤ 10 KB each), each file part goes
 * through a byte counter (per-kind cap → 413 at once), a magic-byte sniff of its first 4100 bytes (415), an
 * image header check (400) and into a temp file, with its SHA-256. On the first problem the request is
 * unpiped (nothing more is read), the response gets `Connection: close` and every temp file is removed.
 */
export async function parseMultipart(req: Request, res: Response, rules: MultipartRules): Promise<ParsedMultipart> {
  const contentType = req.headers['content-type'] ?? '';
  if (!/^multipart\/form-data\s*;.*boundary=/i.test(contentType)) {
    throw badUpload('body', 'send the upload as multipart/form-data');
  }
  const fileRules = Object.values(rules.files);
  const totalMax = maxBodyBytes(rules);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > totalMax) {
    res.setHeader('Connection', 'close');
    throw tooLarge('body', totalMax);
  }
  await mkdir(rules.tmpDir, { recursive: true, mode: 0o700 });
  const fileTypeStream = await loadFileTypeStream();

  return new Promise<ParsedMultipart>((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        defParamCharset: 'utf8',
        limits: {
          // The limits of SECURITY-CHECKLIST UP-02; the allowlist below refuses every unknown or repeated name anyway.
          fields: 10,
          fieldSize: FIELD_MAX_BYTES,
          fieldNameSize: 100,
          files: 2,
          fileSize: Math.max(...fileRules.map((rule) => rule.maxBytes)) + 1,
          parts: 14,
          headerPairs: 20,
        },
      });
    } catch {
      reject(badUpload('body', 'malformed multipart/form-data header'));
      return;
    }
    const fields: Record<string, string> = Object.create(null) as Record<string, string>;
    const files: Record<string, UploadedFile> = Object.create(null) as Record<string, UploadedFile>;
    const temps: string[] = [];
    const pending: Array<Promise<void>> = [];
    const sources: Readable[] = [];
    const abort = new AbortController();
    let failed = false;
    const dispose = async (): Promise<void> => {
      // Every receiver settles once its streams are destroyed; the timer only guards against a stuck library.
      await Promise.race([Promise.allSettled(pending), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
      await Promise.all(temps.map((path) => rm(path, { force: true }).catch(() => undefined)));
    };
    const fail = (error: unknown): void => {
      if (failed) return;
      failed = true;
      req.unpipe(parser);
      abort.abort();
      for (const source of sources) source.destroy(new Error('upload aborted'));
      if (!res.headersSent) res.setHeader('Connection', 'close');
      void dispose().finally(() => reject(error));
    };

    const receive = async (field: string, rule: FileRule, stream: Readable, path: string): Promise<UploadedFile> => {
      const hash = createHash('sha256');
      let size = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          size += chunk.length;
          if (size > rule.maxBytes) return callback(tooLarge(field, rule.maxBytes));
          hash.update(chunk);
          callback(null, chunk);
        },
      });
      sources.push(stream, counter);
      stream.on('error', (error) => counter.destroy(error));
      const typed = await fileTypeStream(stream.pipe(counter), { sampleSize: SNIFF_BYTES });
      const detected = typed.fileType;
      if (!detected && size === 0) throw badUpload(field, 'the file is empty');
      const mime = detected ? ACCEPTED[rule.kind][detected.ext] : undefined;
      if (!detected || !mime) throw unsupportedType(field, ACCEPTED_TEXT[rule.kind]);
      const check = rule.kind === 'image' ? new ImageHeaderCheck(field) : new PassThrough();
      await pipeline(typed, check, createWriteStream(path, { flags: 'wx', mode: 0o600 }), { signal: abort.signal });
      const header = check instanceof ImageHeaderCheck ? check.header : undefined;
      if (rule.kind === 'image' && !header) throw badUpload(field, 'the image header cannot be read');
      return { field, kind: rule.kind, path, size, sha256: hash.digest('hex'), ext: detected.ext, mime, header };
    };

    parser.on('field', (name, value, info) => {
      if (failed) return;
      if (!rules.fields.includes(name)) return fail(badUpload(name.slice(0, 100), 'unknown field'));
      if (name in fields) return fail(badUpload(name, 'sent more than once'));
      if (info.valueTruncated || info.nameTruncated) return fail(badUpload(name, `must be at most ${FIELD_MAX_BYTES} bytes`));
      fields[name] = value;
    });
    parser.on('file', (name, stream, _info) => {
      if (failed) {
        stream.resume();
        return;
      }
      const rule = Object.hasOwn(rules.files, name) ? rules.files[name] : undefined;
      if (!rule) {
        stream.resume();
        return fail(badUpload(name.slice(0, 100), 'unknown file field'));
      }
      if (name in files || temps.some((path) => path.includes(`-${name}-`))) {
        stream.resume();
        return fail(badUpload(name, 'only one file is allowed here'));
      }
      const path = join(rules.tmpDir, `${randomUUID()}-${name}-upload.part`);
      temps.push(path);
      pending.push(
        receive(name, rule, stream, path).then(
          (file) => {
            files[name] = file;
          },
          (error: unknown) => fail(error),
        ),
      );
    });
    for (const event of ['partsLimit', 'filesLimit', 'fieldsLimit'] as const) {
      parser.on(event, () => fail(badUpload('body', 'too many fields or files')));
    }
    parser.on('error', () => fail(badUpload('body', 'malformed multipart/form-data body')));
    parser.on('close', () => {
      void Promise.all(pending).then(() => {
        if (failed) return;
        for (const [name, rule] of Object.entries(rules.files)) {
          if (rule.required && !files[name]) return fail(badUpload(name, `${name} is required`));
        }
        resolve({ fields, files, dispose });
      });
    });
    req.on('error', () => fail(badUpload('body', 'the upload was interrupted')));
    req.on('aborted', () => fail(badUpload('body', 'the upload was interrupted')));
    req.pipe(parser);
  });
}
