import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { Inject, Injectable, Logger, type ArgumentMetadata, type Type } from '@nestjs/common';
import type { Request, Response } from 'express';
import sharp from 'sharp';
import { createValidationPipe } from '@app/common/validation';
import { APP_CONFIG, type AppConfig } from '@app/config/app-config';
import type { StorageAdapter } from '@app/storage/storage-adapter';
import type { VideoContainer } from '@app/ar/content/entities/video.entity';
import { CONTAINER_BY_EXT, IMAGE_LIMITS, parseMultipart, type MultipartRules, type ParsedMultipart, type UploadedFile } from './multipart';
import { badUpload } from './upload-errors';
import { probeVideo, VideoProbeError, type VideoInfo } from './video-probe';

/** Largest video frame we accept (per side): 4K UHD and DCI 4K; 8K is refused. */
const MAX_VIDEO_SIDE = 4096;

export interface PreparedImage {
  jpeg: Buffer;
  width: number;
  height: number;
}

export interface PreparedVideo {
  file: UploadedFile;
  info: VideoInfo;
  extension: 'mp4' | 'mov' | 'webm';
  contentType: string;
}

/** Objects written for one request; `rollback()` deletes them again when a later step fails. */
export class ObjectBatch {
  private readonly keys: string[] = [];
  private readonly logger = new Logger('Uploads');

  constructor(readonly adapter: StorageAdapter) {}

  async put(key: string, body: Buffer | string, contentType: string): Promise<void> {
    this.keys.push(key);
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    await this.adapter.put(key, Readable.from([bytes]), { contentType, size: bytes.length });
  }

  async putFile(key: string, path: string, size: number, contentType: string): Promise<void> {
    this.keys.push(key);
    await this.adapter.put(key, createReadStream(path), { contentType, size });
  }

  async rollback(): Promise<void> {
    for (const key of this.keys.splice(0)) {
      await this.adapter.delete(key).catch((error: Error) => {
        this.logger.warn({ err: { message: error.message } }, 'could not remove an object of a failed upload (the sweep will)');
      });
    }
  }
}

/**
 * Upload parsing rules and media checks shared by order creation and video uploads: the multipart limits from
 * the configuration, field validation with the global pipe's rules, image re-encoding (sharp, no metadata) and
 * the video container probe.
 */
@Injectable()
export class MediaIntakeService {
  private readonly pipe = createValidationPipe();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  orderRules(): MultipartRules {
    return {
      fields: ['clientName', 'clientPhone', 'clientEmail', 'title', 'subscriptionEndsAt'],
      files: {
        image: { kind: 'image', required: true, maxBytes: this.config.ar.maxImageBytes },
        video: { kind: 'video', required: true, maxBytes: this.config.ar.maxVideoBytes },
      },
      tmpDir: this.config.ar.tmpDir,
    };
  }

  videoRules(): MultipartRules {
    return {
      fields: ['description'],
      files: { video: { kind: 'video', required: true, maxBytes: this.config.ar.maxVideoBytes } },
      tmpDir: this.config.ar.tmpDir,
    };
  }

  parse(req: Request, res: Response, rules: MultipartRules): Promise<ParsedMultipart> {
    return parseMultipart(req, res, rules);
  }

  /** Validates multipart text fields exactly like a JSON body (unknown fields, lengths, formats). */
  async fields<T extends object>(type: Type<T>, values: Record<string, string>): Promise<T> {
    const metadata: ArgumentMetadata = { type: 'body', metatype: type };
    return (await this.pipe.transform({ ...values }, metadata)) as T;
  }

  /**
   * Full decode (after the header check) with the pixel cap, auto-orientation, transparency flattened on white
   * and a JPEG re-encode. sharp copies no EXIF/GPS/XMP/ICC unless asked (`withMetadata`), so none survives.
   */
  async prepareImage(file: UploadedFile): Promise<PreparedImage> {
    try {
      const { data, info } = await sharp(file.path, { limitInputPixels: IMAGE_LIMITS.maxPixels, failOn: 'error', sequentialRead: true })
        .rotate()
        .flatten({ background: '#ffffff' })
        .jpeg({ quality: 90, mozjpeg: false })
        .toBuffer({ resolveWithObject: true });
      return { jpeg: data, width: info.width, height: info.height };
    } catch {
      throw badUpload(file.field, 'the image cannot be decoded');
    }
  }

  async prepareVideo(file: UploadedFile): Promise<PreparedVideo> {
    const container: VideoContainer | undefined = CONTAINER_BY_EXT[file.ext];
    if (!container) throw badUpload(file.field, 'unsupported video container');
    let info: VideoInfo;
    try {
      info = await probeVideo(file.path, file.size, container);
    } catch (error) {
      if (error instanceof VideoProbeError) throw badUpload(file.field, error.message);
      throw badUpload(file.field, 'the video cannot be read');
    }
    if (!(info.durationSeconds > 0)) throw badUpload(file.field, 'the video has no duration');
    if (info.durationSeconds > this.config.ar.maxVideoSeconds) {
      throw badUpload(file.field, `the video must be at most ${this.config.ar.maxVideoSeconds} seconds long`);
    }
    if (!(info.width > 0 && info.height > 0) || info.width > MAX_VIDEO_SIDE || info.height > MAX_VIDEO_SIDE) {
      throw badUpload(file.field, `the video frame must be at most ${MAX_VIDEO_SIDE} px per side`);
    }
    const contentType = { mp4: 'video/mp4', mov: 'video/quicktime', webm: 'video/webm' }[container];
    return { file, info, extension: container, contentType };
  }
}
