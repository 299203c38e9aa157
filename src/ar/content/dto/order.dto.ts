import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional } from 'class-validator';
import { PageMetaDto, PageQueryDto } from '@app/common/pagination';
import { IsCleanString, IsEmailAddress } from '@app/common/validation';
import { IsPhoneNumber } from '@app/companies/contact-validators';
import { ORDER_STATUSES, type OrderEntity, type OrderStatus } from '../entities/order.entity';
import { PortraitResponseDto } from './portrait.dto';
import { VideoResponseDto } from './video.dto';

/** The text fields of the multipart order form (validated like a JSON body). */
export class OrderFieldsDto {
  @IsCleanString({ max: 200 }) clientName: string;
  @IsPhoneNumber() clientPhone: string;
  @IsOptional() @IsEmailAddress() clientEmail?: string;
  @IsOptional() @IsCleanString({ min: 0, max: 200 }) title?: string;
  @IsOptional() @IsISO8601({ strict: true, strictSeparator: true }) subscriptionEndsAt?: string;
}

/** Swagger shape of the multipart body. */
export class CreateOrderFormDto {
  @ApiProperty({ example: 'Ivan Sidorov', maxLength: 200 }) clientName: string;
  @ApiProperty({ example: '+7 912 000-11-22', description: 'The client is found by phone or created.' }) clientPhone: string;
  @ApiPropertyOptional({ example: 'ivan@example.com' }) clientEmail?: string;
  @ApiPropertyOptional({ example: 'Grandma, 1975', maxLength: 200 }) title?: string;
  @ApiPropertyOptional({ format: 'date-time', example: '2027-12-31T23:59:59Z' }) subscriptionEndsAt?: string;
  @ApiProperty({ type: 'string', format: 'binary', description: 'JPEG, PNG or WebP; 480–8192 px per side, ≤ 50 MP, ≤ MAX_IMAGE_MB.' })
  image: unknown;
  @ApiProperty({
    type: 'string',
    format: 'binary',
    description: 'MP4/QuickTime (H.264/H.265) or WebM; ≤ MAX_VIDEO_MB, ≤ MAX_VIDEO_SECONDS.',
  })
  video: unknown;
}

export class CreateVideoFormDto {
  @ApiPropertyOptional({ maxLength: 2000 }) description?: string;
  @ApiProperty({ type: 'string', format: 'binary' }) video: unknown;
}

export class VideoFieldsDto {
  @IsOptional() @IsCleanString({ min: 0, max: 2000 }) description?: string;
}

export class OrderQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ORDER_STATUSES })
  @IsOptional()
  @IsIn(ORDER_STATUSES)
  status?: OrderStatus;
}

export class OrderResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) companyId: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) clientId: string | null;
  @ApiProperty({ format: 'uuid' }) portraitId: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) videoId: string | null;
  @ApiProperty({ enum: ['upload', 'recompile'] }) kind: 'upload' | 'recompile';
  @ApiProperty({ enum: ORDER_STATUSES, example: 'processing' }) status: OrderStatus;
  @ApiProperty({ nullable: true, type: String, example: null }) failureReason: string | null;
  @ApiProperty({ example: 1 }) attempts: number;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class OrderCreatedDto extends OrderResponseDto {
  @ApiProperty({ type: PortraitResponseDto }) portrait: PortraitResponseDto;
  @ApiProperty({ type: VideoResponseDto }) video: VideoResponseDto;
}

export class OrderPageDto extends PageMetaDto {
  @ApiProperty({ type: [OrderResponseDto] }) items: OrderResponseDto[];
}

export function mapOrder(order: OrderEntity): OrderResponseDto {
  return {
    id: order.id,
    companyId: order.companyId,
    clientId: order.clientId,
    portraitId: order.portraitId,
    videoId: order.videoId,
    kind: order.kind,
    status: order.status,
    failureReason: order.failureReason,
    attempts: order.attempts,
    createdAt: order.createdAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
  };
}
