import { createHash, randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Request, Response } from 'express';
import { DataSource, type EntityManager } from 'typeorm';
import { extractPoster } from '@app/ar/media';
import type { Principal } from '@app/common/auth.decorators';
import { resolvePaging, type Page, type PageQueryDto } from '@app/common/pagination';
import { CompaniesService } from '@app/companies/companies.service';
import type { CompanyEntity } from '@app/companies/entities/company.entity';
import { assertCompanyAccess } from '@app/companies/tenant-access';
import { AuditService } from '@app/security/audit/audit.service';
import { Clock } from '@app/security/clock';
import { ApiException, ErrorCode } from '@app/security/errors';
import { companyKey } from '@app/storage/storage-keys';
import { StorageService } from '@app/storage/storage.service';
import { VideoEntity, VideoHistoryEntity } from '../content/entities';
import { VideoFieldsDto } from '../content/dto/order.dto';
import type { VideoScheduleDto } from '../content/dto/video.dto';
import { PortraitsService } from '../portraits/portraits.service';
import { MediaIntakeService, ObjectBatch } from '../upload/media-intake.service';
import { maxBodyBytes, type MultipartRules } from '../upload/multipart';
import { badUpload } from '../upload/upload-errors';
import { UploadLimitsService, type UploadAdmission } from '../upload/upload-limits.service';

const SORTABLE = { sortOrder: 'sortOrder', createdAt: 'createdAt', durationSeconds: 'durationSeconds' };
const notFound = (): ApiException => new ApiException(404, ErrorCode.NotFound, 'Video not found');

/** Records one video state change in the history (same transaction as the change). */
export async function writeHistory(
  manager: EntityManager,
  entry: { videoId: string | null; portraitId: string; action: string; actor: string; at: Date; details?: Record<string, unknown> },
): Promise<void> {
  await manager.getRepository(VideoHistoryEntity).insert({ ...entry, details: (entry.details ?? {}) as never });
}

/**
 * Switches the active video of a portrait inside the caller's transaction: the portrait row is locked first,
 * so concurrent activations queue; the partial unique index `videos_one_active_per_portrait` is the backstop.
 */
export async function switchActive(
  manager: EntityManager,
  portraitId: string,
  next: string | null,
  actor: string,
  at: Date,
  details: Record<string, unknown>,
): Promise<void> {
  const current = (await manager.query(
    `UPDATE videos SET is_active = false WHERE portrait_id = $1 AND is_active AND id IS DISTINCT FROM $2 RETURNING id`,
    [portraitId, next],
  )) as [Array<{ id: string }>, number];
  for (const row of current[0]) await writeHistory(manager, { videoId: row.id, portraitId, action: 'deactivated', actor, at, details });
  if (next === null) return;
  const activated = (await manager.query(`UPDATE videos SET is_active = true WHERE id = $1 AND NOT is_active RETURNING id`, [next])) as [
    unknown[],
    number,
  ];
  if (activated[1] === 1) await writeHistory(manager, { videoId: next, portraitId, action: 'activated', actor, at, details });
}

/** Videos of a portrait: upload (same streaming checks as orders), activation, schedule, delete and history. */
@Injectable()
export class VideosService {
  private readonly logger = new Logger('Videos');

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly portraits: PortraitsService,
    private readonly companies: CompaniesService,
    private readonly storage: StorageService,
    private readonly intake: MediaIntakeService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly limits: UploadLimitsService,
  ) {}

  async upload(principal: Principal, companyId: string, portraitId: string, req: Request, res: Response): Promise<VideoEntity> {
    const portrait = await this.portraits.get(principal, companyId, portraitId, 'write');
    const company = await this.companies.get(principal, companyId);
    const rules = this.intake.videoRules();
    return this.limits.withAdmission(companyId, req, res, maxBodyBytes(rules), (admission) =>
      this.receive(principal, company, portrait, admission, req, res, rules),
    );
  }

  private async receive(
    principal: Principal,
    company: CompanyEntity,
    portrait: { id: string },
    admission: UploadAdmission,
    req: Request,
    res: Response,
    rules: MultipartRules,
  ): Promise<VideoEntity> {
    const companyId = company.id;
    const upload = await this.intake.parse(req, res, rules);
    try {
      const fields = await this.intake.fields(VideoFieldsDto, upload.fields);
      const video = await this.intake.prepareVideo(upload.files.video);
      const batch = new ObjectBatch(await this.storage.forCompany(company));
      const id = randomUUID();
      const key = (name: string) => companyKey(companyId, 'portraits', portrait.id, 'videos', id, name);
      const poster = await extractPoster(video.file.path);
      try {
        await batch.putFile(key(`video.${video.extension}`), video.file.path, video.file.size, video.contentType);
        if ('webp' in poster) await batch.put(key('poster.webp'), poster.webp, 'image/webp');
        const row = await this.db.transaction(async (manager) => {
          await manager.query(`SELECT id FROM portraits WHERE id = $1 FOR UPDATE`, [portrait.id]);
          const max = (await manager.query(
            `SELECT coalesce(max(sort_order), -1)::int AS n, bool_or(is_active) AS active FROM videos WHERE portrait_id = $1`,
            [portrait.id],
          )) as Array<{ n: number; active: boolean | null }>;
          const saved = await manager.save(
            manager.create(VideoEntity, {
              id,
              portraitId: portrait.id,
              companyId,
              key: key(`video.${video.extension}`),
              size: video.file.size,
              durationSeconds: video.info.durationSeconds,
              width: video.info.width,
              height: video.info.height,
              codec: video.info.codec,
              container: video.info.container,
              description: fields.description ?? null,
              posterKey: 'webp' in poster ? key('poster.webp') : null,
              posterEtag: 'webp' in poster ? createHash('sha256').update(poster.webp).digest('base64url').slice(0, 32) : null,
              posterSkippedReason: 'skipped' in poster ? poster.skipped.slice(0, 300) : null,
              isActive: false,
              sortOrder: max[0].n + 1,
            }),
          );
          const at = this.clock.now();
          await writeHistory(manager, { videoId: id, portraitId: portrait.id, action: 'uploaded', actor: principal.id, at });
          if (!max[0].active) await switchActive(manager, portrait.id, id, principal.id, at, { reason: 'no active video' });
          await admission.settle(manager);
          return saved;
        });
        await this.audit.record({
          action: 'video.uploaded',
          actor: principal,
          target: { type: 'video', id },
          details: { companyId, portraitId: portrait.id },
        });
        return this.db.getRepository(VideoEntity).findOneByOrFail({ id: row.id });
      } catch (error) {
        await batch.rollback();
        throw error;
      }
    } finally {
      await upload.dispose();
    }
  }

  async list(principal: Principal, companyId: string, portraitId: string, query: PageQueryDto): Promise<Page<VideoEntity>> {
    await this.portraits.get(principal, companyId, portraitId);
    const paging = resolvePaging(query, SORTABLE, 'sortOrder');
    const [items, total] = await this.db.getRepository(VideoEntity).findAndCount({
      where: { portraitId, companyId },
      order: { ...paging.orderBy, createdAt: 'ASC', id: 'ASC' },
      skip: paging.skip,
      take: paging.limit,
    });
    return { items, total, page: paging.page, limit: paging.limit };
  }

  async get(
    principal: Principal,
    companyId: string,
    portraitId: string,
    id: string,
    mode: 'read' | 'write' = 'read',
  ): Promise<VideoEntity> {
    assertCompanyAccess(principal, companyId, mode, 'Video');
    const video = await this.db.getRepository(VideoEntity).findOneBy({ id, portraitId, companyId });
    if (!video) throw notFound();
    return video;
  }

  async activate(principal: Principal, companyId: string, portraitId: string, id: string): Promise<VideoEntity> {
    await this.get(principal, companyId, portraitId, id, 'write');
    try {
      await this.db.transaction(async (manager) => {
        await manager.query(`SELECT id FROM portraits WHERE id = $1 FOR UPDATE`, [portraitId]);
        await switchActive(manager, portraitId, id, principal.id, this.clock.now(), { reason: 'manual' });
      });
    } catch (error) {
      if ((error as { code?: string }).code === '23505')
        throw new ApiException(409, ErrorCode.Conflict, 'Another activation is in progress');
      throw error;
    }
    return this.get(principal, companyId, portraitId, id);
  }

  async schedule(principal: Principal, companyId: string, portraitId: string, id: string, dto: VideoScheduleDto): Promise<VideoEntity> {
    const video = await this.get(principal, companyId, portraitId, id, 'write');
    const startsAt = dto.startsAt === undefined ? video.startsAt : dto.startsAt === null ? null : new Date(dto.startsAt);
    const endsAt = dto.endsAt === undefined ? video.endsAt : dto.endsAt === null ? null : new Date(dto.endsAt);
    if (startsAt && endsAt && startsAt.getTime() >= endsAt.getTime()) throw badUpload('startsAt', 'startsAt must be before endsAt');
    await this.db.transaction(async (manager) => {
      await manager.update(VideoEntity, { id }, { startsAt, endsAt, rotation: dto.rotation });
      await writeHistory(manager, {
        videoId: id,
        portraitId,
        action: 'scheduled',
        actor: principal.id,
        at: this.clock.now(),
        details: { startsAt: startsAt?.toISOString() ?? null, endsAt: endsAt?.toISOString() ?? null, rotation: dto.rotation },
      });
    });
    return this.get(principal, companyId, portraitId, id);
  }

  /** Refuses the active or the only video unless `force`; a forced delete of the active one activates the next. */
  async remove(principal: Principal, companyId: string, portraitId: string, id: string, force: boolean): Promise<void> {
    const video = await this.get(principal, companyId, portraitId, id, 'write');
    const count = await this.db.getRepository(VideoEntity).countBy({ portraitId });
    if (!force && (video.isActive || count === 1)) {
      throw new ApiException(
        409,
        ErrorCode.Conflict,
        'This is the active or the only video of the portrait; pass ?force=true to delete it',
      );
    }
    const adapter = await this.storage.forCompany(await this.companies.get(principal, companyId));
    for (const key of [video.key, video.posterKey]) if (key) await adapter.delete(key);
    await this.db.transaction(async (manager) => {
      await manager.query(`SELECT id FROM portraits WHERE id = $1 FOR UPDATE`, [portraitId]);
      await writeHistory(manager, {
        videoId: null,
        portraitId,
        action: 'deleted',
        actor: principal.id,
        at: this.clock.now(),
        details: { videoId: id },
      });
      await manager.delete(VideoEntity, { id });
      if (video.isActive) {
        const next = (await manager.query(`SELECT id FROM videos WHERE portrait_id = $1 ORDER BY sort_order, created_at LIMIT 1`, [
          portraitId,
        ])) as Array<{ id: string }>;
        if (next[0])
          await switchActive(manager, portraitId, next[0].id, principal.id, this.clock.now(), { reason: 'active video deleted' });
      }
    });
    await this.audit.record({
      action: 'video.deleted',
      actor: principal,
      target: { type: 'video', id },
      details: { companyId, portraitId, force },
    });
  }

  async history(
    principal: Principal,
    companyId: string,
    portraitId: string,
    id: string,
    query: PageQueryDto,
  ): Promise<Page<VideoHistoryEntity>> {
    await this.get(principal, companyId, portraitId, id);
    const paging = resolvePaging(query, { at: 'at' }, '-at');
    const [items, total] = await this.db.getRepository(VideoHistoryEntity).findAndCount({
      where: { videoId: id },
      order: { ...paging.orderBy, id: 'ASC' },
      skip: paging.skip,
      take: paging.limit,
    });
    return { items, total, page: paging.page, limit: paging.limit };
  }
}
