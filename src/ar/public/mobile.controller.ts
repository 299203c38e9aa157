import { createHash } from 'node:crypto';
import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiHeader, ApiNotModifiedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiErrors } from '@app/common/api-responses';
import { CurrentUser, Public, type Principal } from '@app/common/auth.decorators';
import { UuidParam } from '@app/common/uuid-param';
import { ApiException, ErrorCode } from '@app/security/errors';
import { MobileArDto, MobileEventDto, MobileEventResultDto } from '../content/dto/public.dto';
import { CompanyStatsDto, CompanyStatsQueryDto } from '../content/dto/stats.dto';
import { assetUrls, PortraitViewerContentSource, type Published } from './published-content';
import { PublicEventsService } from './public-events.service';

const unknown = (): ApiException => new ApiException(404, ErrorCode.NotFound, 'AR content not found');

/** The public mobile API (no client data) and the company statistics built from its events. */
@Controller()
export class MobileController {
  constructor(
    private readonly content: PortraitViewerContentSource,
    private readonly events: PublicEventsService,
  ) {}

  @Get('api/v1/mobile/ar/:slug')
  @Public()
  @ApiTags('mobile')
  @ApiOperation({
    summary: 'AR content for mobile apps',
    description: 'Public. ETag / If-None-Match → 304. Unknown or unpublished slug → 404.',
  })
  @ApiHeader({ name: 'If-None-Match', required: false })
  @ApiOkResponse({ type: MobileArDto })
  @ApiNotModifiedResponse({ description: 'Unchanged since the ETag.' })
  @ApiErrors(404, 429)
  async get(
    @Param('slug') slug: string,
    @Headers('if-none-match') inm: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<MobileArDto | undefined> {
    const published = await this.content.findPublished(slug);
    if (!published) throw unknown();
    const body = this.toMobile(published);
    const etag = `"${createHash('sha256').update(JSON.stringify(body)).digest('base64url').slice(0, 32)}"`;
    res.setHeader('ETag', etag);
    res.setHeader('Cache-Control', 'no-cache');
    if (inm !== undefined && inm.split(',').some((tag) => tag.trim() === etag)) {
      res.status(304);
      return undefined;
    }
    return body;
  }

  @Post('api/v1/mobile/ar/:slug/events')
  @Public()
  @HttpCode(202)
  @ApiTags('mobile')
  @ApiOperation({
    summary: 'Record a viewer event',
    description: 'Public, rate-limited (global limit); one event per session id and type.',
  })
  @ApiAcceptedResponse({ type: MobileEventResultDto })
  @ApiErrors(400, 404, 415, 429)
  async event(@Param('slug') slug: string, @Body() dto: MobileEventDto): Promise<MobileEventResultDto> {
    const published = await this.content.findPublished(slug);
    if (!published) throw unknown();
    return { recorded: await this.events.record(published, dto) };
  }

  @Get('api/v1/companies/:companyId/stats')
  @ApiTags('portraits')
  @ApiOperation({
    summary: 'Viewer statistics of a company per day',
    description: 'views, unique sessions, plays, completes, clicks (UTC days).',
  })
  @ApiOkResponse({ type: CompanyStatsDto })
  @ApiErrors(400, 404)
  stats(
    @CurrentUser() user: Principal,
    @UuidParam('companyId') companyId: string,
    @Query() query: CompanyStatsQueryDto,
  ): Promise<CompanyStatsDto> {
    return this.events.companyStats(user, companyId, query);
  }

  private toMobile(p: Published): MobileArDto {
    const base = this.content.config.app.baseUrl;
    const urls = assetUrls(p);
    const live = p.status !== 'expired';
    return {
      slug: p.portrait.slug,
      title: p.portrait.title,
      status: p.status,
      targetUrl: live ? `${base}${urls.targetUrl}` : null,
      video: live
        ? {
            url: `${base}${urls.videoUrl}`,
            posterUrl: urls.posterUrl ? `${base}${urls.posterUrl}` : null,
            durationSeconds: Math.round(p.video.durationSeconds * 1000) / 1000,
            width: p.video.width,
            height: p.video.height,
          }
        : null,
      image: live
        ? { previewUrl: urls.previewUrl ? `${base}${urls.previewUrl}` : null, width: p.portrait.imageWidth, height: p.portrait.imageHeight }
        : null,
      updatedAt: new Date(Math.max(p.portrait.updatedAt.getTime(), p.video.createdAt.getTime())).toISOString(),
    };
  }
}
