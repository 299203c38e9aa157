import { Controller, Get, Headers, Param, Res } from '@nestjs/common';
import { ViewerRateLimit } from '@app/security/throttling/rate-limit.decorators';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { Public } from '@app/common/auth.decorators';
import { ApiException, ErrorCode } from '@app/security/errors';
import type { ByteRange, GetResult } from '@app/storage/storage-adapter';
import { StorageService } from '@app/storage/storage.service';
import { PortraitViewerContentSource, type Published } from './published-content';

const YEAR = 'public, max-age=31536000, immutable';
/** Presigned S3 URLs for the video: 10 minutes (ST-02: ≤ 15). */
const SIGNED_URL_TTL_SECONDS = 600;

const gone = (): ApiException => new ApiException(404, ErrorCode.NotFound, 'Not found');

/** `Range: bytes=a-b | a- | -n`; anything else (other units, several ranges) is ignored → the full body (RFC 9110 §14.2). */
export function parseRange(header: string | undefined): ByteRange | null {
  const match = header === undefined ? null : /^bytes=(\d{0,15})-(\d{0,15})$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return null;
  if (match[1] === '') return { suffix: Number(match[2]) };
  return match[2] === '' ? { start: Number(match[1]) } : { start: Number(match[1]), end: Number(match[2]) };
}

function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  return ifNoneMatch !== undefined && ifNoneMatch.split(',').some((tag) => tag.trim() === etag || tag.trim() === '*');
}

/**
 * Public AR assets of a published portrait, by slug: the `.mind` target, preview and poster (strong ETag from
 * their bytes, cached for a year — their URLs carry `?v=`), and the active video (Range → 206 from our
 * storage; S3 → 302 to a 10-minute presigned URL). Unknown, unpublished and expired portraits → 404. Every
 * response carries `Content-Security-Policy: sandbox`, so no stored file ever renders as a page.
 */
@ApiExcludeController()
@Public()
@ViewerRateLimit()
@Controller('ar/:slug')
export class ArAssetsController {
  constructor(
    private readonly content: PortraitViewerContentSource,
    private readonly storage: StorageService,
  ) {}

  @Get('target.mind')
  async target(@Param('slug') slug: string, @Headers('if-none-match') inm: string | undefined, @Res() res: Response): Promise<void> {
    const p = await this.published(slug);
    await this.sendCached(res, p, p.portrait.targetKey, p.portrait.targetEtag, 'application/octet-stream', inm);
  }

  @Get('preview.webp')
  async preview(@Param('slug') slug: string, @Headers('if-none-match') inm: string | undefined, @Res() res: Response): Promise<void> {
    const p = await this.published(slug);
    await this.sendCached(res, p, p.portrait.previewKey, p.portrait.previewEtag, 'image/webp', inm);
  }

  @Get('poster.webp')
  async poster(@Param('slug') slug: string, @Headers('if-none-match') inm: string | undefined, @Res() res: Response): Promise<void> {
    const p = await this.published(slug);
    await this.sendCached(res, p, p.video.posterKey, p.video.posterEtag, 'image/webp', inm);
  }

  @Get('video')
  async video(@Param('slug') slug: string, @Headers('range') rangeHeader: string | undefined, @Res() res: Response): Promise<void> {
    const p = await this.published(slug);
    const adapter = await this.storage.forCompany(p.company);
    if (adapter.kind === 's3') {
      const url = await adapter.signedUrl(p.video.key, SIGNED_URL_TTL_SECONDS);
      if (url) {
        res.setHeader('Cache-Control', 'no-store');
        res.redirect(302, url);
        return;
      }
    }
    const range = parseRange(rangeHeader);
    const file = await adapter.get(p.video.key, range ?? undefined);
    const type = { mp4: 'video/mp4', mov: 'video/quicktime', webm: 'video/webm' }[p.video.container];
    res.setHeader('Accept-Ranges', 'bytes');
    // Short and private: a withdrawn or switched video must not live on in shared caches.
    res.setHeader('Cache-Control', 'private, max-age=300');
    if (file.contentRange) {
      const { start, end, size } = file.contentRange;
      res.status(206).setHeader('Content-Range', `bytes ${start}-${end}/${size}`);
      res.setHeader('Content-Length', String(end - start + 1));
    } else {
      res.status(200).setHeader('Content-Length', String(file.size));
    }
    await this.stream(res, file, type);
  }

  private async published(slug: string): Promise<Published> {
    const p = await this.content.findPublished(slug);
    if (!p || p.status === 'expired') throw gone();
    return p;
  }

  private async sendCached(
    res: Response,
    p: Published,
    key: string | null,
    tag: string | null,
    type: string,
    inm: string | undefined,
  ): Promise<void> {
    if (!key || !tag) throw gone();
    const etag = `"${tag}"`;
    res.setHeader('ETag', etag);
    res.setHeader('Cache-Control', YEAR);
    if (matches(inm, etag)) {
      res.status(304).end();
      return;
    }
    const file = await (await this.storage.forCompany(p.company)).get(key);
    res.status(200).setHeader('Content-Length', String(file.size));
    await this.stream(res, file, type);
  }

  private async stream(res: Response, file: GetResult, type: string): Promise<void> {
    res.type(type);
    res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
    res.setHeader('X-Content-Type-Options', 'nosniff');
    await pipeline(file.stream, res).catch(() => {
      // The viewer closed the connection (seeking, navigation): nothing to answer any more.
      file.stream.destroy();
    });
  }
}
