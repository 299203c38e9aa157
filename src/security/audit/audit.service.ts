import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Between, LessThanOrEqual, MoreThanOrEqual, Repository, type FindOptionsWhere } from 'typeorm';
import { resolvePaging, type Page } from '@app/common/pagination';
import { Clock } from '../clock';
import { requestContext } from '../request-context';
import { AuditEventEntity } from './audit-event.entity';
import type { AuditQueryDto } from './audit.dto';

export interface AuditRecord {
  action: string;
  outcome?: 'success' | 'failure';
  actor?: { id: string | null; email?: string | null } | null;
  target?: { type: string; id: string | null };
  /** Never a secret: callers pass ids, names and reasons only. */
  details?: Record<string, unknown>;
}

const SORTABLE = { occurredAt: 'occurredAt', action: 'action' };

/** Who did what, when, from where. Requests supply ip and request id through the request context. */
@Injectable()
export class AuditService {
  private readonly logger = new Logger('Audit');

  constructor(
    @InjectRepository(AuditEventEntity) private readonly events: Repository<AuditEventEntity>,
    private readonly clock: Clock,
  ) {}

  async record(record: AuditRecord): Promise<void> {
    const context = requestContext.current();
    const row = this.events.create({
      occurredAt: this.clock.now(),
      action: record.action,
      outcome: record.outcome ?? 'success',
      actorUserId: record.actor?.id ?? context?.userId ?? null,
      actorEmail: record.actor?.email ?? null,
      targetType: record.target?.type ?? null,
      targetId: record.target?.id ?? null,
      ip: context?.ip ?? null,
      requestId: context?.requestId ?? null,
      details: record.details ?? {},
    });
    try {
      await this.events.save(row);
    } catch (error) {
      // An audit failure is logged loudly but does not turn a completed action into an error for the client.
      this.logger.error({ err: error, action: record.action }, 'could not write audit event');
    }
    this.logger.log({ audit: record.action, outcome: row.outcome, actorUserId: row.actorUserId, targetId: row.targetId }, 'audit');
  }

  async list(query: AuditQueryDto): Promise<Page<AuditEventEntity>> {
    const paging = resolvePaging(query, SORTABLE, '-occurredAt');
    const where: FindOptionsWhere<AuditEventEntity> = {};
    if (query.action) where.action = query.action;
    if (query.outcome) where.outcome = query.outcome;
    if (query.actorUserId) where.actorUserId = query.actorUserId;
    if (query.targetType) where.targetType = query.targetType;
    if (query.targetId) where.targetId = query.targetId;
    if (query.from && query.to) where.occurredAt = Between(new Date(query.from), new Date(query.to));
    else if (query.from) where.occurredAt = MoreThanOrEqual(new Date(query.from));
    else if (query.to) where.occurredAt = LessThanOrEqual(new Date(query.to));
    const [items, total] = await this.events.findAndCount({
      where,
      order: { ...paging.orderBy, id: 'ASC' },
      skip: paging.skip,
      take: paging.limit,
    });
    return { items, total, page: paging.page, limit: paging.limit };
  }
}
