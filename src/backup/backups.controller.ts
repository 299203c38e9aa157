import { Body, Controller, Delete, Get, HttpCode, Post, Query, Res, StreamableFile } from '@nestjs/common';
import { ApiAcceptedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiErrors } from '@app/common/api-responses';
import { CurrentUser, Roles, type Principal } from '@app/common/auth.decorators';
import { UuidParam } from '@app/common/uuid-param';
import { AuditService } from '@app/security/audit/audit.service';
import { ApiException, ErrorCode } from '@app/security/errors';
import { UploadRateLimit } from '@app/security/throttling/rate-limit.decorators';
import { BackupQueries } from './backup-queries.service';
import { BackupRunner } from './backup-runner.service';
import { BackupService } from './backup.service';
import { BackupPageDto, BackupQueryDto, BackupResponseDto, CreateBackupDto, mapBackup } from './dto/backup.dto';

@ApiTags('backups')
@Roles('admin')
@Controller('api/v1/backups')
export class BackupsController {
  constructor(
    private readonly backups: BackupService,
    private readonly queries: BackupQueries,
    private readonly runner: BackupRunner,
    private readonly audit: AuditService,
  ) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Start a backup',
    description: 'Queued on the job queue and run in the background, one at a time; poll `GET /api/v1/backups/{id}`.',
  })
  @ApiAcceptedResponse({ type: BackupResponseDto })
  @ApiErrors(400, 415, 503)
  async create(@CurrentUser() actor: Principal, @Body() dto: CreateBackupDto): Promise<BackupResponseDto> {
    return mapBackup(await this.runner.enqueue(dto.kind, actor.id));
  }

  @Get()
  @ApiOperation({ summary: 'List backups', description: 'Newest first by default; `stats` covers the complete backups.' })
  @ApiOkResponse({ type: BackupPageDto })
  @ApiErrors(400)
  async list(@Query() query: BackupQueryDto): Promise<BackupPageDto> {
    const [page, stats] = await Promise.all([this.queries.list(query), this.queries.stats()]);
    return { ...page, items: page.items.map(mapBackup), stats };
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a backup' })
  @ApiOkResponse({ type: BackupResponseDto })
  @ApiErrors(400, 404)
  async get(@UuidParam('id') id: string): Promise<BackupResponseDto> {
    return mapBackup(await this.backups.get(id));
  }

  @Get(':id/download')
  @UploadRateLimit()
  @ApiOperation({
    summary: 'Download the encrypted archive',
    description: 'Streamed as stored (AES-256-GCM, readable only with DATA_ENCRYPTION_KEY). Rate-limited per user (UPLOAD_RATE_LIMIT).',
  })
  @ApiProduces('application/octet-stream')
  @ApiOkResponse({ description: 'The archive (`Content-Disposition: attachment`).', schema: { type: 'string', format: 'binary' } })
  @ApiErrors(400, 404, 409, 429)
  async download(
    @CurrentUser() actor: Principal,
    @UuidParam('id') id: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<StreamableFile> {
    const row = await this.backups.get(id);
    if (row.status !== 'complete') throw new ApiException(409, ErrorCode.Conflict, 'The backup is not complete');
    // The path comes from the row's id (BackupFiles checks the name and that it stays in BACKUP_DIR), never from the request.
    const size = await this.backups.files.archiveSize(row.id);
    if (size === null) throw new ApiException(404, ErrorCode.NotFound, 'The archive file is missing');
    await this.audit.record({
      action: 'backup.downloaded',
      actor: { id: actor.id },
      target: { type: 'backup', id: row.id },
      details: { size },
    });
    res.setHeader('Content-Type', 'application/octet-stream');
    res.setHeader('Content-Length', String(size));
    res.setHeader('Content-Disposition', `attachment; filename="vertex-ar-backup-${row.kind}-${row.id}.vbak"`);
    res.setHeader('Cache-Control', 'no-store');
    return new StreamableFile(this.backups.files.openArchive(row.id));
  }

  @Post(':id/verify')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Verify a backup',
    description:
      'Authenticates the manifest and every chunk, checks every table and object checksum, and test-restores the database into a scratch database.',
  })
  @ApiOkResponse({ type: BackupResponseDto })
  @ApiErrors(400, 404, 409)
  async verify(@UuidParam('id') id: string): Promise<BackupResponseDto> {
    return mapBackup(await this.backups.verify(id));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a backup', description: '409 for a running backup and for the last good one.' })
  @ApiNoContentResponse({ description: 'Deleted (archive, manifest, off-site copy and row).' })
  @ApiErrors(400, 404, 409)
  remove(@UuidParam('id') id: string): Promise<void> {
    return this.backups.remove(id);
  }
}
