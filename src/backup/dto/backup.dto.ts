import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageMetaDto, PageQueryDto } from '@app/common/pagination';
import { BACKUP_KINDS, BACKUP_STATUSES, type BackupEntity, type BackupKind, type BackupStatus } from '../backup.entity';

export class CreateBackupDto {
  @ApiProperty({ enum: BACKUP_KINDS, example: 'full', description: 'full = database + stored files.' })
  @IsIn(BACKUP_KINDS)
  kind: BackupKind;
}

export class BackupQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: BACKUP_STATUSES })
  @IsOptional()
  @IsIn(BACKUP_STATUSES)
  status?: BackupStatus;

  @ApiPropertyOptional({ enum: BACKUP_KINDS })
  @IsOptional()
  @IsIn(BACKUP_KINDS)
  kind?: BackupKind;
}

export class BackupVerifyResultDto {
  @ApiProperty() ok: boolean;
  @ApiProperty({ type: [String] }) checks: string[];
  @ApiProperty({ enum: ['ok', 'failed', 'skipped', 'not-applicable'] }) scratchRestore: string;
  @ApiPropertyOptional() error?: string;
}

export class BackupSummaryDto {
  @ApiPropertyOptional({ example: '0.1.0' }) appVersion?: string;
  @ApiPropertyOptional({ nullable: true, type: String, example: 'Backups1796403500000' }) migration?: string | null;
  @ApiPropertyOptional() tables?: number;
  @ApiPropertyOptional() rows?: number;
  @ApiPropertyOptional() objects?: number;
  @ApiPropertyOptional() objectBytes?: number;
  @ApiPropertyOptional({ description: 'Off-site copy (BACKUP_REMOTE_CONNECTION_ID).' })
  remote?: { connectionId: string; ok: boolean; message?: string };
}

export class BackupResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: BACKUP_KINDS }) kind: BackupKind;
  @ApiProperty({ enum: BACKUP_STATUSES }) status: BackupStatus;
  @ApiProperty({ enum: ['api', 'cli', 'schedule'] }) trigger: string;
  @ApiProperty({ nullable: true, type: Number, description: 'Archive size in bytes (encrypted).' }) size: number | null;
  @ApiProperty({ nullable: true, type: String, description: 'SHA-256 of the encrypted archive.' }) sha256: string | null;
  @ApiProperty({ type: BackupSummaryDto }) summary: BackupSummaryDto;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) verifiedAt: string | null;
  @ApiProperty({ type: BackupVerifyResultDto, nullable: true }) verifyResult: BackupVerifyResultDto | null;
  @ApiProperty({ nullable: true, type: String }) error: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) createdBy: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) completedAt: string | null;
}

export class BackupStatsDto {
  @ApiProperty({ description: 'Complete backups.' }) count: number;
  @ApiProperty({ description: 'Bytes of all complete archives.' }) totalBytes: number;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) newestCompleteAt: string | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Age of the newest complete backup in seconds.' })
  newestCompleteAgeSeconds: number | null;
}

export class BackupPageDto extends PageMetaDto {
  @ApiProperty({ type: [BackupResponseDto] }) items: BackupResponseDto[];
  @ApiProperty({ type: BackupStatsDto }) stats: BackupStatsDto;
}

export function mapBackup(row: BackupEntity): BackupResponseDto {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    trigger: row.trigger,
    size: row.size,
    sha256: row.sha256,
    summary: row.summary,
    verifiedAt: row.verifiedAt?.toISOString() ?? null,
    verifyResult: row.verifyResult,
    error: row.error,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    completedAt: row.completedAt?.toISOString() ?? null,
  };
}
