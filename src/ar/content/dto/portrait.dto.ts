import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsUUID, ValidateIf } from 'class-validator';
import { PageMetaDto, PageQueryDto } from '@app/common/pagination';
import { IsCleanString, IsOptionalNonNull } from '@app/common/validation';
import type { PortraitEntity } from '../entities/portrait.entity';
import { portraitStatus, type PortraitStatus } from '../portrait-status';

export class TrackabilityDto {
  @ApiProperty({ enum: ['poor', 'fair', 'good', 'excellent'] }) score: string;
  @ApiProperty({ example: 2400 }) featurePoints: number;
  @ApiProperty({ example: 52.3 }) contrast: number;
  @ApiProperty({ type: [String], example: ['Good target. Print it flat and matte, at least 10 cm wide, without glare.'] }) advice: string[];
}

export class PortraitImageDto {
  @ApiProperty({ example: 1024 }) width: number;
  @ApiProperty({ example: 768 }) height: number;
  @ApiProperty({ example: 183245 }) size: number;
}

export class PortraitResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) companyId: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) clientId: string | null;
  @ApiProperty({ example: 'q3J8m1kQx0Vb2Zr9LtYw4A', description: 'Random 128-bit public id.' }) slug: string;
  @ApiProperty({ example: 'https://ar.example.com/ar/q3J8m1kQx0Vb2Zr9LtYw4A' }) publicUrl: string;
  @ApiProperty({ example: 'Grandma, 1975' }) title: string;
  @ApiProperty({ enum: ['active', 'expiring', 'expired'] }) status: PortraitStatus;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) subscriptionEndsAt: string | null;
  @ApiProperty({ type: PortraitImageDto }) image: PortraitImageDto;
  @ApiProperty({ example: true, description: 'The .mind target is compiled.' }) targetReady: boolean;
  @ApiProperty({ type: TrackabilityDto, nullable: true }) trackability: TrackabilityDto | null;
  @ApiProperty({ example: true }) qrReady: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class PortraitPageDto extends PageMetaDto {
  @ApiProperty({ type: [PortraitResponseDto] }) items: PortraitResponseDto[];
}

export class PortraitQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  clientId?: string;

  @ApiPropertyOptional({ enum: ['active', 'expiring', 'expired'] })
  @IsOptional()
  @IsIn(['active', 'expiring', 'expired'])
  status?: PortraitStatus;

  @ApiPropertyOptional({ description: 'Matches the title (case-insensitive).', maxLength: 100 })
  @IsOptional()
  @IsCleanString({ max: 100 })
  search?: string;
}

export class UpdatePortraitDto {
  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptionalNonNull()
  @IsCleanString({ min: 0, max: 200 })
  title?: string;

  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time', description: 'null: never expires.' })
  @ValidateIf((_o, value) => value !== null && value !== undefined)
  @IsISO8601({ strict: true, strictSeparator: true })
  subscriptionEndsAt?: string | null;
}

export class PortraitStatsDto {
  @ApiProperty({ format: 'uuid' }) portraitId: string;
  @ApiProperty({ example: 120, description: 'Sessions that opened the portrait.' }) views: number;
  @ApiProperty({ example: 97 }) uniqueSessions: number;
  @ApiProperty({ example: 80 }) plays: number;
  @ApiProperty({ example: 60 }) completes: number;
  @ApiProperty({ example: 5 }) clicks: number;
  @ApiProperty({ example: 0.75, description: 'completes / plays (0 when nothing was played).' }) completionRate: number;
}

export function mapPortrait(portrait: PortraitEntity, now: Date, baseUrl: string): PortraitResponseDto {
  return {
    id: portrait.id,
    companyId: portrait.companyId,
    clientId: portrait.clientId,
    slug: portrait.slug,
    publicUrl: `${baseUrl}/ar/${portrait.slug}`,
    title: portrait.title,
    status: portraitStatus(portrait.subscriptionEndsAt, now),
    subscriptionEndsAt: portrait.subscriptionEndsAt?.toISOString() ?? null,
    image: { width: portrait.imageWidth, height: portrait.imageHeight, size: portrait.imageSize },
    targetReady: portrait.targetKey !== null,
    trackability: portrait.trackability,
    qrReady: portrait.qrPngKey !== null,
    createdAt: portrait.createdAt.toISOString(),
    updatedAt: portrait.updatedAt.toISOString(),
  };
}
