import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageMetaDto, PageQueryDto } from '@app/common/pagination';
import { OUTBOX_STATUSES, type MailOutboxEntity, type OutboxStatus } from '../entities/mail-outbox.entity';

export class OutboxQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: OUTBOX_STATUSES })
  @IsOptional()
  @IsIn(OUTBOX_STATUSES)
  status?: OutboxStatus;
}

export class OutboxItemDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'client@example.com' }) to: string;
  @ApiProperty({ example: 'Order for Anna Petrova is ready' }) subject: string;
  @ApiProperty({ nullable: true, type: String, example: 'order-ready' }) templateKey: string | null;
  @ApiProperty({ enum: OUTBOX_STATUSES, example: 'sent' }) status: OutboxStatus;
  @ApiProperty({ example: 1 }) attempts: number;
  @ApiProperty({ example: 5 }) maxAttempts: number;
  @ApiProperty({ nullable: true, type: String, example: null, description: 'Without credentials.' }) lastError: string | null;
  @ApiProperty({ format: 'date-time', description: 'Earliest time of the next attempt (queued rows).' }) nextAttemptAt: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) sentAt: string | null;
}

export class OutboxPageDto extends PageMetaDto {
  @ApiProperty({ type: [OutboxItemDto] }) items: OutboxItemDto[];
}

export function mapOutbox(row: MailOutboxEntity): OutboxItemDto {
  return {
    id: row.id,
    to: row.to,
    subject: row.subject,
    templateKey: row.templateKey,
    status: row.status,
    attempts: row.attempts,
    maxAttempts: row.maxAttempts,
    lastError: row.lastError,
    nextAttemptAt: row.nextAttemptAt.toISOString(),
    createdAt: row.createdAt.toISOString(),
    sentAt: row.sentAt?.toISOString() ?? null,
  };
}
