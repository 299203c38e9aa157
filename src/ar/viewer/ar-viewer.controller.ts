import { Controller, Get, Headers, Inject, Param, Res } from '@nestjs/common';
import { ViewerRateLimit } from '@app/security/throttling/rate-limit.decorators';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '@app/common/auth.decorators';
import { type AssetUrls, renderEndedPage, renderNotFoundPage, renderViewerPage } from './viewer-html';
import { pickLanguage, VIEWER_TEXTS } from './viewer-i18n';
import { loadStaticAssets, type StaticAsset } from './viewer-assets';
import { ViewerContentSource } from './viewer-content';

/** Slugs are server-made; anything else is answered 404 without a lookup. */
const SLUG = /^[A-Za-z0-9_-]{1,64}$/;
const STATIC_PREFIX = '/ar/static/';

/**
 * Public AR viewer (HTML and its static files, not a JSON API: excluded from OpenAPI). Its CSP and
 * Permissions-Policy come from the viewer branch of src/security/http-pipeline.ts (all `/ar/` paths).
 */
@ApiExcludeController()
@Public()
@ViewerRateLimit()
@Controller('ar')
export class ArViewerController {
  private readonly assets: Map<string, StaticAsset> = loadStaticAssets();
  private readonly urls: AssetUrls;

  constructor(@Inject(ViewerContentSource) private readonly content: ViewerContentSource) {
    const url = (name: string) => `${STATIC_PREFIX}${name}?v=${this.assets.get(name)!.version}`;
    this.urls = {
      css: url('viewer.css'),
      aframe: url('aframe.min.js'),
      mindar: url('mindar-image-aframe.prod.js'),
      viewer: url('viewer.js'),
    };
  }

  @Get('static/:file')
  staticFile(@Param('file') file: string, @Headers('if-none-match') ifNoneMatch: string | undefined, @Res() res: Response): void {
    // A Map lookup: only the allowlisted names exist, nothing from the request reaches a file path.
    const asset = this.assets.get(file);
    if (asset === undefined) {
      this.html(res, 404, 'en', renderNotFoundPage('en', VIEWER_TEXTS.en, this.urls));
      return;
    }
    res.setHeader('ETag', asset.etag);
    // Long-lived: the HTML references each file with its content hash (`?v=`), so a release changes the URL.
    res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (ifNoneMatch !== undefined && ifNoneMatch.split(',').some((tag) => tag.trim() === asset.etag || tag.trim() === '*')) {
      res.status(304).end();
      return;
    }
    res.status(200).type(asset.contentType).setHeader('Content-Length', String(asset.body.length));
    res.end(asset.body);
  }

  @Get(':slug')
  async viewer(
    @Param('slug') slug: string,
    @Headers('accept-language') acceptLanguage: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const lang = pickLanguage(acceptLanguage);
    const t = VIEWER_TEXTS[lang];
    const content = SLUG.test(slug) ? await this.content.findBySlug(slug) : null;
    if (content === null) {
      this.html(res, 404, lang, renderNotFoundPage(lang, t, this.urls));
      return;
    }
    if (content.status === 'expired') {
      // 410 Gone: the portrait existed and was ended on purpose.
      this.html(res, 410, lang, renderEndedPage(lang, t, this.urls));
      return;
    }
    if (content.mediaOrigin) allowMediaOrigin(res, content.mediaOrigin);
    this.html(res, 200, lang, renderViewerPage(lang, t, content, this.urls));
  }

  private html(res: Response, status: number, lang: string, body: string): void {
    res.status(status).type('text/html; charset=utf-8');
    res.setHeader('Content-Language', lang);
    res.vary('Accept-Language');
    // The status (active/expired) can change at any time; nothing personal, but no caching either.
    res.setHeader('Cache-Control', 'no-store');
    res.send(body);
  }
}

/**
 * S3-stored videos are a 302 to a presigned URL on the bucket's origin: only this page's `media-src` gains that
 * one origin (parsed as a URL, so nothing else can reach the header).
 */
function allowMediaOrigin(res: Response, origin: string): void {
  const csp = res.getHeader('Content-Security-Policy');
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return;
  }
  if (typeof csp !== 'string' || !['https:', 'http:'].includes(parsed.protocol)) return;
  res.setHeader('Content-Security-Policy', csp.replace("media-src 'self'", `media-src 'self' ${parsed.origin}`));
}
