import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import type { Principal } from '@app/common/auth.decorators';
import { containsPattern, resolvePaging, sortOf, type Page } from '@app/common/pagination';
import { CompaniesService } from '@app/companies/companies.service';
import { assertCompanyAccess } from '@app/companies/tenant-access';
import { AuditService } from '@app/security/audit/audit.service';
import { Clock } from '@app/security/clock';
import { ApiException, ErrorCode } from '@app/security/errors';
import type { GetResult } from '@app/storage/storage-adapter';
import { companyKey } from '@app/storage/storage-keys';
import { StorageService } from '@app/storage/storage.service';
import { PortraitEntity } from '../content/entities';
import type { PortraitQueryDto, PortraitStatsDto, UpdatePortraitDto } from '../content/dto/portrait.dto';
import { EXPIRING_WINDOW_MS } from '../content/portrait-status';

const SORTABLE = { createdAt: 'createdAt', updatedAt: 'updatedAt', title: 'title', subscriptionEndsAt: 'subscriptionEndsAt' };
const notFound = (): ApiException => new ApiException(404, ErrorCode.NotFound, 'Portrait not found');

/** Portraits of a company: list with filters, update, delete with every stored file, QR files and stats. */
@Injectable()
export class PortraitsService {
  private readonly logger = new Logger('Portraits');

  constructor(
    @InjectRepository(PortraitEntity) private readonly portraits: Repository<PortraitEntity>,
    @InjectDataSource() private readonly db: DataSource,
    private readonly companies: CompaniesService,
    private readonly storage: StorageService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async list(principal: Principal, companyId: string, query: PortraitQueryDto): Promise<Page<PortraitEntity>> {
    await this.companies.get(principal, companyId);
    const paging = resolvePaging(query, SORTABLE, '-createdAt');
    const { column, direction } = sortOf(paging);
    const qb = this.portraits.createQueryBuilder('p').where('p.companyId = :companyId', { companyId });
    if (query.clientId) qb.andWhere('p.clientId = :clientId', { clientId: query.clientId });
    if (query.search) qb.andWhere('p.title ILIKE :pattern', { pattern: containsPattern(query.search) });
    if (query.status) {
      const now = this.clock.now();
      const soon = new Date(now.getTime() + EXPIRING_WINDOW_MS);
      if (query.status === 'expired') qb.andWhere('p.subscriptionEndsAt <= :now', { now });
      else if (query.status === 'expiring') qb.andWhere('p.subscriptionEndsAt > :now AND p.subscriptionEndsAt <= :soon', { now, soon });
      else qb.andWhere('(p.subscriptionEndsAt IS NULL OR p.subscriptionEndsAt > :soon)', { soon });
    }
    const [items, total] = await qb
      .orderBy(`p.${column}`, direction, 'NULLS LAST')
      .addOrderBy('p.id', 'ASC')
      .skip(paging.skip)
      .take(paging.limit)
      .getManyAndCount();
    return { items, total, page: paging.page, limit: paging.limit };
  }

  async get(principal: Principal, companyId: string, id: string, mode: 'read' | 'write' = 'read'): Promise<PortraitEntity> {
    assertCompanyAccess(principal, companyId, mode, 'Portrait');
    const portrait = await this.portraits.findOneBy({ id, companyId });
    if (!portrait) throw notFound();
    return portrait;
  }

  async update(principal: Principal, companyId: string, id: string, dto: UpdatePortraitDto): Promise<PortraitEntity> {
    await this.get(principal, companyId, id, 'write');
    const changes: Partial<PortraitEntity> = {};
    if (dto.title !== undefined) changes.title = dto.title;
    if (dto.subscriptionEndsAt !== undefined)
      changes.subscriptionEndsAt = dto.subscriptionEndsAt === null ? null : new Date(dto.subscriptionEndsAt);
    if (Object.keys(changes).length > 0) await this.portraits.update({ id, companyId }, changes);
    await this.audit.record({
      action: 'portrait.updated',
      actor: principal,
      target: { type: 'portrait', id },
      details: { companyId, fields: Object.keys(changes) },
    });
    return this.get(principal, companyId, id);
  }

  /** Deletes every stored object of the portrait (image, target, previews, QR, videos, posters), then its rows. */
  async remove(principal: Principal, companyId: string, id: string): Promise<{ deletedObjects: number }> {
    const portrait = await this.get(principal, companyId, id, 'write');
    const company = await this.companies.get(principal, companyId);
    const adapter = await this.storage.forCompany(company);
    const prefix = companyKey(companyId, 'portraits', portrait.id);
    const keys: string[] = [];
    for await (const object of adapter.list(prefix)) keys.push(object.key);
    for (const key of keys) await adapter.delete(key);
    await this.db.transaction(async (manager) => {
      await manager.query(`DELETE FROM orders WHERE portrait_id = $1`, [id]);
      await manager.delete(PortraitEntity, { id, companyId });
    });
    await this.audit.record({
      action: 'portrait.deleted',
      actor: principal,
      target: { type: 'portrait', id },
      details: { companyId, deletedObjects: keys.length },
    });
    return { deletedObjects: keys.length };
  }

  /** The stored QR file (PNG or SVG) of a processed portrait. */
  async qr(principal: Principal, companyId: string, id: string, format: 'png' | 'svg'): Promise<GetResult> {
    const portrait = await this.get(principal, companyId, id);
    const key = format === 'png' ? portrait.qrPngKey : portrait.qrSvgKey;
    if (!key) throw new ApiException(404, ErrorCode.NotFound, 'The QR code is not ready yet');
    const company = await this.companies.get(principal, companyId);
    return (await this.storage.forCompany(company)).get(key);
  }

  async stats(principal: Principal, companyId: string, id: string): Promise<PortraitStatsDto> {
    await this.get(principal, companyId, id);
    const rows = (await this.db.query(
      `SELECT count(*) FILTER (WHERE type = 'view')::int AS views,
              count(DISTINCT session_id)::int AS sessions,
              count(*) FILTER (WHERE type = 'play')::int AS plays,
              count(*) FILTER (WHERE type = 'complete')::int AS completes,
              count(*) FILTER (WHERE type = 'click')::int AS clicks
       FROM portrait_events WHERE portrait_id = $1`,
      [id],
    )) as Array<{ views: number; sessions: number; plays: number; completes: number; clicks: number }>;
    const r = rows[0];
    return {
      portraitId: id,
      views: r.views,
      uniqueSessions: r.sessions,
      plays: r.plays,
      completes: r.completes,
      clicks: r.clicks,
      completionRate: r.plays > 0 ? Math.round((Math.min(r.completes, r.plays) / r.plays) * 1000) / 1000 : 0,
    };
  }
}
