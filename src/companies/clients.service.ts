import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, Repository, type SelectQueryBuilder } from 'typeorm';
import type { Principal } from '@app/common/auth.decorators';
import { containsPattern, resolvePaging, sortOf, type Page } from '@app/common/pagination';
import { AuditService } from '@app/security/audit/audit.service';
import { ApiException, ErrorCode } from '@app/security/errors';
import type { ClientQueryDto, CreateClientDto, UpdateClientDto } from './dto/client.dto';
import { ClientEntity } from './entities/client.entity';
import { CompanyEntity } from './entities/company.entity';
import { assertCompanyAccess } from './tenant-access';

const SORTABLE = { name: 'name', createdAt: 'createdAt', phone: 'phone', email: 'email' };

const notFound = (): ApiException => new ApiException(404, ErrorCode.NotFound, 'Client not found');

/** A company's clients. Every query is scoped by the company id that the tenant check allowed. */
@Injectable()
export class ClientsService {
  constructor(
    @InjectRepository(ClientEntity) private readonly clients: Repository<ClientEntity>,
    @InjectRepository(CompanyEntity) private readonly companies: Repository<CompanyEntity>,
    private readonly audit: AuditService,
  ) {}

  async list(principal: Principal, companyId: string, query: ClientQueryDto): Promise<Page<ClientEntity>> {
    await this.assertCompany(principal, companyId, 'read');
    const paging = resolvePaging(query, SORTABLE, 'name');
    const { column, direction } = sortOf(paging);
    const [items, total] = await this.scoped(companyId, query.search)
      .orderBy(`cl.${column}`, direction, 'NULLS LAST')
      .addOrderBy('cl.id', 'ASC')
      .skip(paging.skip)
      .take(paging.limit)
      .getManyAndCount();
    return { items, total, page: paging.page, limit: paging.limit };
  }

  async get(principal: Principal, companyId: string, id: string): Promise<ClientEntity> {
    assertCompanyAccess(principal, companyId, 'read', 'Client');
    const client = await this.clients.findOneBy({ id, companyId });
    if (!client) throw notFound();
    return client;
  }

  async create(principal: Principal, companyId: string, dto: CreateClientDto): Promise<ClientEntity> {
    await this.assertCompany(principal, companyId, 'write');
    await this.assertUnique(companyId, dto.phone, dto.email ?? null);
    const client = await this.clients.save(
      this.clients.create({ companyId, name: dto.name, phone: dto.phone, email: dto.email ?? null, notes: dto.notes ?? null }),
    );
    await this.audit.record({
      action: 'client.created',
      actor: principal,
      target: { type: 'client', id: client.id },
      details: { companyId },
    });
    return client;
  }

  async update(principal: Principal, companyId: string, id: string, dto: UpdateClientDto): Promise<ClientEntity> {
    assertCompanyAccess(principal, companyId, 'write', 'Client');
    const client = await this.get(principal, companyId, id);
    const phone = dto.phone ?? client.phone;
    const email = dto.email === undefined ? client.email : dto.email;
    await this.assertUnique(companyId, phone !== client.phone ? phone : null, email !== client.email ? email : null, id);
    await this.clients.update(
      { id, companyId },
      { name: dto.name ?? client.name, phone, email, notes: dto.notes === undefined ? client.notes : dto.notes },
    );
    await this.audit.record({
      action: 'client.updated',
      actor: principal,
      target: { type: 'client', id },
      details: { companyId, fields: Object.keys(dto) },
    });
    return this.get(principal, companyId, id);
  }

  async remove(principal: Principal, companyId: string, id: string): Promise<void> {
    assertCompanyAccess(principal, companyId, 'write', 'Client');
    const result = await this.clients.delete({ id, companyId });
    if (!result.affected) throw notFound();
    await this.audit.record({ action: 'client.deleted', actor: principal, target: { type: 'client', id }, details: { companyId } });
  }

  /** Rows for the CSV export, in pages, so the export streams without loading every client at once. */
  async *iterate(principal: Principal, companyId: string, search?: string): AsyncGenerator<ClientEntity> {
    await this.assertCompany(principal, companyId, 'read');
    const batch = 500;
    for (let offset = 0; ; offset += batch) {
      const rows = await this.scoped(companyId, search)
        .orderBy('cl.name', 'ASC')
        .addOrderBy('cl.id', 'ASC')
        .skip(offset)
        .take(batch)
        .getMany();
      yield* rows;
      if (rows.length < batch) return;
    }
  }

  private scoped(companyId: string, search?: string): SelectQueryBuilder<ClientEntity> {
    const qb = this.clients.createQueryBuilder('cl').where('cl.companyId = :companyId', { companyId });
    if (search) {
      const pattern = containsPattern(search);
      const digits = search.replace(/[^\d]/g, '');
      qb.andWhere(
        new Brackets((w) => {
          w.where('cl.name ILIKE :pattern', { pattern }).orWhere('cl.email ILIKE :pattern', { pattern });
          if (digits.length >= 3) w.orWhere('cl.phone LIKE :digits', { digits: `%${digits}%` });
        }),
      );
    }
    return qb;
  }

  private async assertCompany(principal: Principal, companyId: string, mode: 'read' | 'write'): Promise<void> {
    assertCompanyAccess(principal, companyId, mode);
    if (!(await this.companies.existsBy({ id: companyId }))) throw new ApiException(404, ErrorCode.NotFound, 'Company not found');
  }

  private async assertUnique(companyId: string, phone: string | null, email: string | null, exceptId?: string): Promise<void> {
    if (phone !== null) {
      const clash = await this.clients.findOneBy({ companyId, phone });
      if (clash && clash.id !== exceptId)
        throw new ApiException(409, ErrorCode.Conflict, 'A client with this phone already exists in the company');
    }
    if (email !== null) {
      const clash = await this.clients.findOneBy({ companyId, email });
      if (clash && clash.id !== exceptId)
        throw new ApiException(409, ErrorCode.Conflict, 'A client with this e-mail already exists in the company');
    }
  }
}
