import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { Principal } from '@app/common/auth.decorators';
import { resolvePaging, sortOf, type Page } from '@app/common/pagination';
import { CompaniesService } from '@app/companies/companies.service';
import { assertCompanyAccess } from '@app/companies/tenant-access';
import { AuditService } from '@app/security/audit/audit.service';
import { ApiException, ErrorCode } from '@app/security/errors';
import { OrderEntity, PortraitEntity, VideoEntity } from '../content/entities';
import type { OrderQueryDto } from '../content/dto/order.dto';
import { OrderProcessingService } from './order-processing.service';

const SORTABLE = { createdAt: 'createdAt', updatedAt: 'updatedAt', status: 'status' };
const notFound = (): ApiException => new ApiException(404, ErrorCode.NotFound, 'Order not found');

/** Reading orders, retrying failed ones and queuing a recompile of a portrait (as a new order). */
@Injectable()
export class OrdersService {
  constructor(
    @InjectRepository(OrderEntity) private readonly orders: Repository<OrderEntity>,
    @InjectRepository(VideoEntity) private readonly videos: Repository<VideoEntity>,
    private readonly companies: CompaniesService,
    private readonly processing: OrderProcessingService,
    private readonly audit: AuditService,
  ) {}

  async list(principal: Principal, companyId: string, query: OrderQueryDto): Promise<Page<OrderEntity>> {
    await this.companies.get(principal, companyId);
    const paging = resolvePaging(query, SORTABLE, '-createdAt');
    const { column, direction } = sortOf(paging);
    const qb = this.orders.createQueryBuilder('o').where('o.companyId = :companyId', { companyId });
    if (query.status) qb.andWhere('o.status = :status', { status: query.status });
    const [items, total] = await qb
      .orderBy(`o.${column}`, direction)
      .addOrderBy('o.id', 'ASC')
      .skip(paging.skip)
      .take(paging.limit)
      .getManyAndCount();
    return { items, total, page: paging.page, limit: paging.limit };
  }

  async get(principal: Principal, companyId: string, id: string): Promise<OrderEntity> {
    assertCompanyAccess(principal, companyId, 'read', 'Order');
    const order = await this.orders.findOneBy({ id, companyId });
    if (!order) throw notFound();
    return order;
  }

  /** A failed order goes back to `processing` with a fresh attempt budget (409 unless it failed). */
  async retry(principal: Principal, companyId: string, id: string): Promise<OrderEntity> {
    assertCompanyAccess(principal, companyId, 'write', 'Order');
    const result = await this.orders.update(
      { id, companyId, status: 'failed' },
      { status: 'processing', failureReason: null, attempts: 0, jobId: null, processingStartedAt: null },
    );
    if (!result.affected) {
      await this.get(principal, companyId, id);
      throw new ApiException(409, ErrorCode.Conflict, 'Only a failed order can be retried');
    }
    await this.processing.enqueue(id);
    await this.audit.record({ action: 'order.retried', actor: principal, target: { type: 'order', id }, details: { companyId } });
    return this.get(principal, companyId, id);
  }

  /** `POST …/portraits/{id}/target`: recompiles target, preview, poster and QR as a `recompile` order. */
  async recompile(principal: Principal, portrait: PortraitEntity): Promise<OrderEntity> {
    const running = await this.orders.existsBy({ portraitId: portrait.id, status: 'processing' });
    if (running) throw new ApiException(409, ErrorCode.Conflict, 'The portrait is already being processed');
    const active = await this.videos.findOneBy({ portraitId: portrait.id, isActive: true });
    const order = await this.orders.save(
      this.orders.create({
        id: randomUUID(),
        companyId: portrait.companyId,
        clientId: portrait.clientId,
        portraitId: portrait.id,
        videoId: active?.id ?? null,
        kind: 'recompile',
        status: 'processing',
        createdBy: principal.id,
      }),
    );
    await this.processing.enqueue(order.id);
    await this.audit.record({
      action: 'portrait.recompile',
      actor: principal,
      target: { type: 'portrait', id: portrait.id },
      details: { companyId: portrait.companyId, orderId: order.id },
    });
    return this.orders.findOneByOrFail({ id: order.id });
  }
}
