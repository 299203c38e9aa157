import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiErrors } from '@app/common/api-responses';
import { CurrentUser, Roles, type Principal } from '@app/common/auth.decorators';
import { PageQueryDto } from '@app/common/pagination';
import { UuidParam } from '@app/common/uuid-param';
import { UploadRateLimit } from '@app/security/throttling/rate-limit.decorators';
import { CreateVideoFormDto } from '../content/dto/order.dto';
import {
  mapHistory,
  mapVideo,
  VideoDeleteQueryDto,
  VideoHistoryPageDto,
  VideoPageDto,
  VideoQueryDto,
  VideoResponseDto,
  VideoScheduleDto,
} from '../content/dto/video.dto';
import { VideosService } from './videos.service';

@ApiTags('videos')
@Controller('api/v1/companies/:companyId/portraits/:portraitId/videos')
export class VideosController {
  constructor(private readonly videos: VideosService) {}

  @Post()
  @Roles('admin', 'manager')
  @UploadRateLimit()
  @ApiOperation({
    summary: 'Add a video to a portrait',
    description:
      'Multipart `video` (+ `description`), streamed and checked like order uploads (including `UPLOADS_BUSY` and `QUOTA_EXCEEDED`). ' +
      'Becomes active when the portrait has no active video.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: CreateVideoFormDto })
  @ApiCreatedResponse({ type: VideoResponseDto })
  @ApiErrors(400, 404, 413, 415, 429, 503)
  async upload(
    @CurrentUser() user: Principal,
    @UuidParam('companyId') companyId: string,
    @UuidParam('portraitId') portraitId: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<VideoResponseDto> {
    return mapVideo(await this.videos.upload(user, companyId, portraitId, req, res));
  }

  @Get()
  @ApiOperation({ summary: 'List the videos of a portrait', description: 'sort: sortOrder (default), createdAt, durationSeconds.' })
  @ApiOkResponse({ type: VideoPageDto })
  @ApiErrors(400, 404)
  async list(
    @CurrentUser() user: Principal,
    @UuidParam('companyId') companyId: string,
    @UuidParam('portraitId') portraitId: string,
    @Query() query: VideoQueryDto,
  ): Promise<VideoPageDto> {
    const page = await this.videos.list(user, companyId, portraitId, query);
    return { ...page, items: page.items.map(mapVideo) };
  }

  @Get(':videoId')
  @ApiOperation({ summary: 'Get a video' })
  @ApiOkResponse({ type: VideoResponseDto })
  @ApiErrors(400, 404)
  async get(
    @CurrentUser() user: Principal,
    @UuidParam('companyId') companyId: string,
    @UuidParam('portraitId') portraitId: string,
    @UuidParam('videoId') id: string,
  ): Promise<VideoResponseDto> {
    return mapVideo(await this.videos.get(user, companyId, portraitId, id));
  }

  @Delete(':videoId')
  @HttpCode(204)
  @Roles('admin', 'manager')
  @ApiOperation({ summary: 'Delete a video', description: 'The active or the only video needs `?force=true` (409 otherwise).' })
  @ApiNoContentResponse({ description: 'Deleted with its stored files.' })
  @ApiErrors(400, 404, 409, 503)
  async remove(
    @CurrentUser() user: Principal,
    @UuidParam('companyId') companyId: string,
    @UuidParam('portraitId') portraitId: string,
    @UuidParam('videoId') id: string,
    @Query() query: VideoDeleteQueryDto,
  ): Promise<void> {
    await this.videos.remove(user, companyId, portraitId, id, query.force === 'true');
  }

  @Post(':videoId/activate')
  @HttpCode(200)
  @Roles('admin', 'manager')
  @ApiOperation({
    summary: 'Make this the active video',
    description: 'Atomic: exactly one active video per portrait, also under concurrent requests.',
  })
  @ApiOkResponse({ type: VideoResponseDto })
  @ApiErrors(400, 404, 409)
  async activate(
    @CurrentUser() user: Principal,
    @UuidParam('companyId') companyId: string,
    @UuidParam('portraitId') portraitId: string,
    @UuidParam('videoId') id: string,
  ): Promise<VideoResponseDto> {
    return mapVideo(await this.videos.activate(user, companyId, portraitId, id));
  }

  @Patch(':videoId/schedule')
  @Roles('admin', 'manager')
  @ApiOperation({
    summary: 'Schedule a video',
    description: 'The scheduler (every minute) activates it at startsAt and deactivates it at endsAt; rotation picks the next video then.',
  })
  @ApiOkResponse({ type: VideoResponseDto })
  @ApiErrors(400, 404, 415)
  async schedule(
    @CurrentUser() user: Principal,
    @UuidParam('companyId') companyId: string,
    @UuidParam('portraitId') portraitId: string,
    @UuidParam('videoId') id: string,
    @Body() dto: VideoScheduleDto,
  ): Promise<VideoResponseDto> {
    return mapVideo(await this.videos.schedule(user, companyId, portraitId, id, dto));
  }

  @Get(':videoId/history')
  @ApiOperation({ summary: 'State changes of a video', description: 'Newest first (sort: at).' })
  @ApiOkResponse({ type: VideoHistoryPageDto })
  @ApiErrors(400, 404)
  async history(
    @CurrentUser() user: Principal,
    @UuidParam('companyId') companyId: string,
    @UuidParam('portraitId') portraitId: string,
    @UuidParam('videoId') id: string,
    @Query() query: PageQueryDto,
  ): Promise<VideoHistoryPageDto> {
    const page = await this.videos.history(user, companyId, portraitId, id, query);
    return { ...page, items: page.items.map(mapHistory) };
  }
}
