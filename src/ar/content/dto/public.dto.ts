import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { PORTRAIT_EVENT_TYPES, type PortraitEventType } from '../entities/portrait-event.entity';

export class MobileVideoDto {
  @ApiProperty({ example: 'https://ar.example.com/ar/q3J8m1kQx0Vb2Zr9LtYw4A/video?v=1b2c3d4e' }) url: string;
  @ApiProperty({ nullable: true, type: String, example: 'https://ar.example.com/ar/q3J8m1kQx0Vb2Zr9LtYw4A/poster.webp?v=abc' }) posterUrl:
    string | null;
  @ApiProperty({ example: 12.48 }) durationSeconds: number;
  @ApiProperty({ example: 1280 }) width: number;
  @ApiProperty({ example: 720 }) height: number;
}

export class MobileImageDto {
  @ApiProperty({ nullable: true, type: String, example: 'https://ar.example.com/ar/q3J8m1kQx0Vb2Zr9LtYw4A/preview.webp?v=abc' })
  previewUrl: string | null;
  @ApiProperty({ example: 1024 }) width: number;
  @ApiProperty({ example: 768 }) height: number;
}

/** Public: no client data. Expired portraits keep slug, title and status; their media are null. */
export class MobileArDto {
  @ApiProperty({ example: 'q3J8m1kQx0Vb2Zr9LtYw4A' }) slug: string;
  @ApiProperty({ example: 'Grandma, 1975' }) title: string;
  @ApiProperty({ enum: ['active', 'expiring', 'expired'] }) status: string;
  @ApiProperty({ nullable: true, type: String, example: 'https://ar.example.com/ar/q3J8m1kQx0Vb2Zr9LtYw4A/target.mind?v=abc' }) targetUrl:
    string | null;
  @ApiProperty({ type: MobileVideoDto, nullable: true }) video: MobileVideoDto | null;
  @ApiProperty({ type: MobileImageDto, nullable: true }) image: MobileImageDto | null;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class MobileEventDto {
  @ApiProperty({ enum: PORTRAIT_EVENT_TYPES }) @IsIn(PORTRAIT_EVENT_TYPES) type: PortraitEventType;

  @ApiProperty({
    example: 'c0b5f1e2-6f0a-4c55-9d8e-3f3c2a1b0d9e',
    description: '8–64 characters [A-Za-z0-9_-]; events dedupe per session and type.',
  })
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{8,64}$/, { message: 'sessionId must be 8-64 characters of A-Z a-z 0-9 _ -' })
  sessionId: string;

  @ApiPropertyOptional({ enum: ['ios', 'android', 'web', 'other'] })
  @IsOptional()
  @IsIn(['ios', 'android', 'web', 'other'])
  platform?: string;

  @ApiPropertyOptional({ example: '2.3.1' })
  @IsOptional()
  @IsString()
  @Matches(/^[0-9A-Za-z.+-]{1,32}$/, { message: 'appVersion must be a version string' })
  appVersion?: string;

  @ApiPropertyOptional({ example: 850, description: 'Time from camera start to target found (ms).' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(600_000)
  scanTimeMs?: number;
}

export class MobileEventResultDto {
  @ApiProperty({ example: true, description: 'false: this session already sent this event type (deduplicated).' }) recorded: boolean;
}
