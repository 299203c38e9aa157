import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional } from 'class-validator';
import { PageMetaDto, PageQueryDto } from '@app/common/pagination';
import { VIDEO_ROTATIONS, type VideoEntity, type VideoRotation } from '../entities/video.entity';
import type { VideoHistoryEntity } from '../entities/video-history.entity';

export class VideoResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) portraitId: string;
  @ApiProperty({ nullable: true, type: String, example: 'Wedding, 2019' }) description: string | null;
  @ApiProperty({ example: true }) isActive: boolean;
  @ApiProperty({ example: 12.48 }) durationSeconds: number;
  @ApiProperty({ example: 1280 }) width: number;
  @ApiProperty({ example: 720 }) height: number;
  @ApiProperty({ example: 'avc1' }) codec: string;
  @ApiProperty({ enum: ['mp4', 'mov', 'webm'] }) container: string;
  @ApiProperty({ example: 5242880 }) size: number;
  @ApiProperty({ example: true, description: 'A poster frame was made.' }) hasPoster: boolean;
  @ApiProperty({ nullable: true, type: String, example: 'ffmpeg is not installed (ENOENT)' }) posterSkippedReason: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) startsAt: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) endsAt: string | null;
  @ApiProperty({ enum: VIDEO_ROTATIONS }) rotation: VideoRotation;
  @ApiProperty({ example: 0 }) sortOrder: number;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class VideoPageDto extends PageMetaDto {
  @ApiProperty({ type: [VideoResponseDto] }) items: VideoResponseDto[];
}

export class VideoQueryDto extends PageQueryDto {}

export class VideoDeleteQueryDto {
  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'Also delete the active or the only video.' })
  @IsOptional()
  @IsIn(['true', 'false'])
  force?: 'true' | 'false';
}

export class VideoScheduleDto {
  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time', example: '2027-01-01T00:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  startsAt?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time', example: '2027-02-01T00:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  endsAt?: string | null;

  @ApiProperty({ enum: VIDEO_ROTATIONS, description: 'At the end of the window: none, next video (sequential) or wrap around (cyclic).' })
  @IsIn(VIDEO_ROTATIONS)
  rotation: VideoRotation;
}

export class VideoHistoryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) videoId: string | null;
  @ApiProperty({ example: 'activated' }) action: string;
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({ example: 'scheduler', description: 'A user id or `scheduler`.' }) actor: string;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { reason: 'schedule' } }) details: Record<string, unknown>;
}

export class VideoHistoryPageDto extends PageMetaDto {
  @ApiProperty({ type: [VideoHistoryDto] }) items: VideoHistoryDto[];
}

export function mapVideo(video: VideoEntity): VideoResponseDto {
  return {
    id: video.id,
    portraitId: video.portraitId,
    description: video.description,
    isActive: video.isActive,
    durationSeconds: Math.round(video.durationSeconds * 1000) / 1000,
    width: video.width,
    height: video.height,
    codec: video.codec,
    container: video.container,
    size: video.size,
    hasPoster: video.posterKey !== null,
    posterSkippedReason: video.posterSkippedReason,
    startsAt: video.startsAt?.toISOString() ?? null,
    endsAt: video.endsAt?.toISOString() ?? null,
    rotation: video.rotation,
    sortOrder: video.sortOrder,
    createdAt: video.createdAt.toISOString(),
  };
}

export function mapHistory(row: VideoHistoryEntity): VideoHistoryDto {
  return { id: row.id, videoId: row.videoId, action: row.action, at: row.at.toISOString(), actor: row.actor, details: row.details };
}
