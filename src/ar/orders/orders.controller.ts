import { Controller, Get, Headers, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiConsumes, ApiHeader, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiErrors } from '@app/common/api-responses';
import { CurrentUser, Roles, type Principal } from '@app/common/auth.decorators';
import { ErrorResponseDto } from '@app/common/error-response.dto';
import { UuidParam } from '@app/common/uuid-param';
import { UploadRateLimit } from '@app/security/throttling/rate-limit.decorators';
import { CreateOrderFormDto, mapOrder, OrderCreatedDto, OrderPageDto, OrderQueryDto, OrderResponseDto } from '../content/dto/order.dto';
import { OrderIntakeService } from './order-intake.service';
import { OrdersService } from './orders.service';

@ApiTags('orders')
@Controller('api/v1/companies/:companyId/orders')
export class OrdersController {
  constructor(
    private readonly intake: OrderIntakeService,
    private readonly orders: OrdersService,
  ) {}

  @Post()
  @Roles('admin', 'manager')
  @UploadRateLimit()
  @ApiOperation({
    summary: 'Create an order from a photo and a video',
    description:
      'Multipart, streamed: fields first is not required. Files are checked by magic bytes (415), size (413, while streaming), ' +
      'image header 480–8192 px and ≤ 50 MP (400) and the parsed video container (400). The client is found by phone or created. ' +
      'Answers 202 with the order (`processing`), its portrait and video; poll `GET …/orders/{id}`. ' +
      'Before the body is read: 503 `UPLOADS_BUSY` with Retry-After when UPLOAD_MAX_CONCURRENT uploads are running, ' +
      '413 `QUOTA_EXCEEDED` when the company’s stored image and video bytes plus Content-Length exceed COMPANY_STORAGE_QUOTA_MB.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: CreateOrderFormDto })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'UUID. Same key + same payload → same response; other payload → 422; running → 409.',
  })
  @ApiAcceptedResponse({ type: OrderCreatedDto })
  @ApiResponse({ status: 422, description: 'Idempotency-Key reused with another payload.', type: ErrorResponseDto })
  @ApiErrors(400, 404, 409, 413, 415, 429, 503)
  async create(
    @CurrentUser() user: Principal,
    @UuidParam('companyId') companyId: string,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<OrderCreatedDto> {
    const result = await this.intake.create(user, companyId, idempotencyKey, req, res);
    res.status(result.status);
    return result.body;
  }

  @Get()
  @ApiOperation({ summary: 'List orders', description: 'Filter by status; sort: createdAt (default -createdAt), updatedAt, status.' })
  @ApiOkResponse({ type: OrderPageDto })
  @ApiErrors(400, 404)
  async list(
    @CurrentUser() user: Principal,
    @UuidParam('companyId') companyId: string,
    @Query() query: OrderQueryDto,
  ): Promise<OrderPageDto> {
    const page = await this.orders.list(user, companyId, query);
    return { ...page, items: page.items.map(mapOrder) };
  }

  @Get(':orderId')
  @ApiOperation({ summary: 'Get an order', description: 'status `processing | ready | failed` with `failureReason`.' })
  @ApiOkResponse({ type: OrderResponseDto })
  @ApiErrors(400, 404)
  async get(
    @CurrentUser() user: Principal,
    @UuidParam('companyId') companyId: string,
    @UuidParam('orderId') id: string,
  ): Promise<OrderResponseDto> {
    return mapOrder(await this.orders.get(user, companyId, id));
  }

  @Post(':orderId/retry')
  @HttpCode(202)
  @Roles('admin', 'manager')
  @ApiOperation({ summary: 'Retry a failed order' })
  @ApiAcceptedResponse({ type: OrderResponseDto })
  @ApiErrors(400, 404, 409)
  async retry(
    @CurrentUser() user: Principal,
    @UuidParam('companyId') companyId: string,
    @UuidParam('orderId') id: string,
  ): Promise<OrderResponseDto> {
    return mapOrder(await this.orders.retry(user, companyId, id));
  }
}
