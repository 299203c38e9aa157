import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { PageMetaDto, PageQueryDto } from '@app/common/pagination';
import type { AuditEventEntity } from './audit-event.entity';

export class AuditQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: 'auth.login', description: 'Exact action name.' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9_.-]{1,64}$/)
  action?: string;

  @ApiPropertyOptional({ enum: ['success', 'failure'] })
  @IsOptional()
  @IsIn(['success', 'failure'])
  outcome?: 'success' | 'failure';

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  actorUserId?: string;

  @ApiPropertyOptional({ example: 'user' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9_.-]{1,64}$/)
  targetType?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(128)
  @Matches(/^[A-Za-z0-9_.:-]+$/)
  targetId?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Events at or after this time.' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Events at or before this time.' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
}

export class AuditEventResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'date-time' }) occurredAt: string;
  @ApiProperty({ example: 'auth.login' }) action: string;
  @ApiProperty({ enum: ['success', 'failure'] }) outcome: 'success' | 'failure';
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) actorUserId: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'admin@example.com' }) actorEmail: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'user' }) targetType: string | null;
  @ApiProperty({ nullable: true, type: String }) targetId: string | null;
  @ApiProperty({ nullable: true, type: String, example: '203.0.113.7' }) ip: string | null;
  @ApiProperty({ nullable: true, type: String }) requestId: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { reason: 'wrong_password' } })
  details: Record<string, unknown>;
}

export class AuditEventPageDto extends PageMetaDto {
  @ApiProperty({ type: [AuditEventResponseDto] }) items: AuditEventResponseDto[];
}

export function mapAuditEvent(event: AuditEventEntity): AuditEventResponseDto {
  return {
    id: event.id,
    occurredAt: event.occurredAt.toISOString(),
    action: event.action,
    outcome: event.outcome,
    actorUserId: event.actorUserId,
    actorEmail: event.actorEmail,
    targetType: event.targetType,
    targetId: event.targetId,
    ip: event.ip,
    requestId: event.requestId,
    details: event.details,
  };
}
