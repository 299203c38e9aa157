import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiErrors } from '@app/common/api-responses';
import { CurrentUser, Roles, type Principal } from '@app/common/auth.decorators';
import { UuidParam } from '@app/common/uuid-param';
import { APP_CONFIG, type AppConfig } from '@app/config/app-config';
import { Clock } from '@app/security/clock';
import { Inject } from '@nestjs/common';
import { mapOrder, OrderResponseDto } from '../content/dto/order.dto';
import {
  mapPortrait,
  PortraitPageDto,
  PortraitQueryDto,
  PortraitResponseDto,
  PortraitStatsDto,
  UpdatePortraitDto,
} from '../content/dto/portrait.dto';
import { OrdersService } from '../orders/orders.service';
import { PortraitsService } from './portraits.service';

@ApiTags('portraits')
@Controller('api/v1/companies/:companyId/portraits')
export class PortraitsController {
  constructor(
    private readonly portraits: PortraitsService,
    private readonly orders: OrdersService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private map = (portrait: Parameters<typeof mapPortrait>[0]): PortraitResponseDto =>
    mapPortrait(portrait, this.clock.now(), this.config.app.baseUrl);

  @Get()
  @ApiOperation({
    summary: 'List portraits',
    description:
      'Filter by clientId, status (active | expiring | expired) and title search; sort: createdAt (default -createdAt), updatedAt, title, subscriptionEndsAt.',
  })
  @ApiOkResponse({ type: PortraitPageDto })
  @ApiErrors(400, 404)
  async list(
    @CurrentUser() user: Principal,
    @UuidParam('companyId') companyId: string,
    @Query() query: PortraitQueryDto,
  ): Promise<PortraitPageDto> {
    const page = await this.portraits.list(user, companyId, query);
    return { ...page, items: page.items.map(this.map) };
  }

  @Get(':portraitId')
  @ApiOperation({ summary: 'Get a portrait', description: 'With its trackability score and advice (shown before printing).' })
  @ApiOkResponse({ type: PortraitResponseDto })
  @ApiErrors(400, 404)
  async get(
    @CurrentUser() user: Principal,
    @UuidParam('companyId') companyId: string,
    @UuidParam('portraitId') id: string,
  ): Promise<PortraitResponseDto> {
    return this.map(await this.portraits.get(user, companyId, id));
  }

  @Patch(':portraitId')
  @Roles('admin', 'manager')
  @ApiOperation({ summary: 'Update title or subscription end' })
  @ApiOkResponse({ type: PortraitResponseDto })
  @ApiErrors(400, 404, 415)
  async update(
    @CurrentUser() user: Principal,
    @UuidParam('companyId') companyId: string,
    @UuidParam('portraitId') id: string,
    @Body() dto: UpdatePortraitDto,
  ): Promise<PortraitResponseDto> {
    return this.map(await this.portraits.update(user, companyId, id, dto));
  }

  @Delete(':portraitId')
  @HttpCode(204)
  @Roles('admin', 'manager')
  @ApiOperation({
    summary: 'Delete a portrait',
    description: 'Removes its stored files (image, target, previews, QR, videos, posters) and rows.',
  })
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiErrors(400, 404, 503)
  async remove(
    @CurrentUser() user: Principal,
    @UuidParam('companyId') companyId: string,
    @UuidParam('portraitId') id: string,
  ): Promise<void> {
    await this.portraits.remove(user, companyId, id);
  }

  @Post(':portraitId/target')
  @HttpCode(202)
  @Roles('admin', 'manager')
  @ApiOperation({
    summary: 'Recompile the target',
    description: 'Queues a `recompile` order (target, preview, poster, QR); poll the order.',
  })
  @ApiAcceptedResponse({ type: OrderResponseDto })
  @ApiErrors(400, 404, 409)
  async recompile(
    @CurrentUser() user: Principal,
    @UuidParam('companyId') companyId: string,
    @UuidParam('portraitId') id: string,
  ): Promise<OrderResponseDto> {
    const portrait = await this.portraits.get(user, companyId, id, 'write');
    return mapOrder(await this.orders.recompile(user, portrait));
  }

  @Get(':portraitId/qr.png')
  @ApiOperation({ summary: 'QR code (PNG) of the public link' })
  @ApiProduces('image/png')
  @ApiOkResponse({ description: 'PNG, 512 px.', schema: { type: 'string', format: 'binary' } })
  @ApiErrors(400, 404)
  async qrPng(
    @CurrentUser() user: Principal,
    @UuidParam('companyId') companyId: string,
    @UuidParam('portraitId') id: string,
    @Res() res: Response,
  ): Promise<void> {
    await this.sendQr(res, await this.portraits.qr(user, companyId, id, 'png'), 'image/png', `qr-${id}.png`);
  }

  @Get(':portraitId/qr.svg')
  @ApiOperation({ summary: 'QR code (SVG) of the public link' })
  @ApiProduces('image/svg+xml')
  @ApiOkResponse({ description: 'SVG.', schema: { type: 'string' } })
  @ApiErrors(400, 404)
  async qrSvg(
    @CurrentUser() user: Principal,
    @UuidParam('companyId') companyId: string,
    @UuidParam('portraitId') id: string,
    @Res() res: Response,
  ): Promise<void> {
    await this.sendQr(res, await this.portraits.qr(user, companyId, id, 'svg'), 'image/svg+xml', `qr-${id}.svg`);
  }

  @Get(':portraitId/stats')
  @ApiOperation({ summary: 'Viewer statistics of a portrait' })
  @ApiOkResponse({ type: PortraitStatsDto })
  @ApiErrors(400, 404)
  stats(
    @CurrentUser() user: Principal,
    @UuidParam('companyId') companyId: string,
    @UuidParam('portraitId') id: string,
  ): Promise<PortraitStatsDto> {
    return this.portraits.stats(user, companyId, id);
  }

  private async sendQr(res: Response, file: { stream: NodeJS.ReadableStream; size: number }, type: string, name: string): Promise<void> {
    res.status(200).type(type);
    res.setHeader('Content-Length', String(file.size));
    res.setHeader('Content-Disposition', `attachment; filename="${name}"`);
    // An SVG opened directly must never run script.
    res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; sandbox");
    await new Promise<void>((resolve, reject) => {
      file.stream.on('error', reject);
      res.on('finish', resolve);
      file.stream.pipe(res);
    });
  }
}
