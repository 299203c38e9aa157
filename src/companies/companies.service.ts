import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { Brackets, DataSource, Repository } from 'typeorm';
import type { Principal } from '@app/common/auth.decorators';
import { containsPattern, resolvePaging, sortOf, type Page } from '@app/common/pagination';
import { AuditService } from '@app/security/audit/audit.service';
import { ApiException, ErrorCode } from '@app/security/errors';
import { StorageConnectionEntity } from '@app/storage/entities/storage-connection.entity';
import { CompanyFilesService } from './company-files.service';
import type {
  CompanyDeletionDto,
  CompanyQueryDto,
  CompanyStorageDto,
  CreateCompanyDto,
  StorageInfoDto,
  UpdateCompanyDto,
} from './dto/company.dto';
import { CompanyEntity } from './entities/company.entity';
import { assertCompanyAccess } from './tenant-access';

const SORTABLE = { name: 'name', createdAt: 'createdAt', city: 'city' };

const notFound = (): ApiException => new ApiException(404, ErrorCode.NotFound, 'Company not found');
const invalid = (field: string, message: string): ApiException =>
  new ApiException(400, ErrorCode.ValidationFailed, 'Request validation failed', [{ field, message }]);

interface ResolvedStorage {
  storageType: CompanyEntity['storageType'];
  storageConnectionId: string | null;
  storageFolder: string | null;
}

/** Companies: contacts, storage binding, tenant-scoped reads, deletion with their files. */
@Injectable()
export class CompaniesService {
  private readonly logger = new Logger('Companies');

  constructor(
    @InjectRepository(CompanyEntity) private readonly companies: Repository<CompanyEntity>,
    @InjectRepository(StorageConnectionEntity) private readonly connections: Repository<StorageConnectionEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly files: CompanyFilesService,
    private readonly audit: AuditService,
  ) {}

  async list(principal: Principal, query: CompanyQueryDto): Promise<Page<CompanyEntity>> {
    const paging = resolvePaging(query, SORTABLE, 'name');
    const { column, direction } = sortOf(paging);
    const qb = this.companies.createQueryBuilder('c');
    if (principal.role !== 'admin') qb.andWhere('c.id = :own', { own: principal.companyId });
    if (query.search) {
      const pattern = containsPattern(query.search);
      qb.andWhere(
        new Brackets((w) =>
          w
            .where('c.name ILIKE :pattern', { pattern })
            .orWhere('c.email ILIKE :pattern', { pattern })
            .orWhere('c.city ILIKE :pattern', { pattern }),
        ),
      );
    }
    const [items, total] = await qb
      .orderBy(`c.${column}`, direction, 'NULLS LAST')
      .addOrderBy('c.id', 'ASC')
      .skip(paging.skip)
      .take(paging.limit)
      .getManyAndCount();
    return { items, total, page: paging.page, limit: paging.limit };
  }

  /** The company when the caller may see it (404 otherwise, also for other tenants). */
  async get(principal: Principal, id: string, mode: 'read' | 'write' = 'read'): Promise<CompanyEntity> {
    assertCompanyAccess(principal, id, mode);
    const company = await this.companies.findOneBy({ id });
    if (!company) throw notFound();
    return company;
  }

  async create(actor: Principal, dto: CreateCompanyDto): Promise<CompanyEntity> {
    await this.assertNameFree(dto.name);
    const storage = await this.resolveStorage(dto.storage ?? { type: 'local' }, false);
    const company = await this.companies.save(
      this.companies.create({
        name: dto.name,
        email: dto.email ?? null,
        phone: dto.phone ?? null,
        website: dto.website ?? null,
        city: dto.city ?? null,
        description: dto.description ?? null,
        socialLinks: dto.socialLinks ?? {},
        managerName: dto.managerName ?? null,
        managerPhone: dto.managerPhone ?? null,
        managerEmail: dto.managerEmail ?? null,
        ...storage,
      }),
    );
    await this.audit.record({
      action: 'company.created',
      actor,
      target: { type: 'company', id: company.id },
      details: { storageType: storage.storageType },
    });
    return company;
  }

  async update(actor: Principal, id: string, dto: UpdateCompanyDto): Promise<CompanyEntity> {
    const company = await this.get(actor, id, 'write');
    if (dto.name !== undefined && dto.name.toLowerCase() !== company.name.toLowerCase()) await this.assertNameFree(dto.name);
    const storage = dto.storage ? await this.resolveStorage(dto.storage, company.isDefault) : null;
    const changes: Partial<CompanyEntity> = {};
    for (const key of [
      'name',
      'email',
      'phone',
      'website',
      'city',
      'description',
      'socialLinks',
      'managerName',
      'managerPhone',
      'managerEmail',
    ] as const) {
      if (dto[key] !== undefined) (changes as Record<string, unknown>)[key] = dto[key];
    }
    if (storage) Object.assign(changes, storage);
    if (Object.keys(changes).length > 0) await this.companies.update({ id }, changes);
    if (storage) this.files.invalidate(id);
    await this.audit.record({
      action: storage && storage.storageType !== company.storageType ? 'company.storage_changed' : 'company.updated',
      actor,
      target: { type: 'company', id },
      details: { fields: Object.keys(changes) },
    });
    return this.get(actor, id);
  }

  /**
   * Deletes the company's stored files, then its rows (clients cascade). Refused for the default company and
   * while users still belong to it. Files that cannot be removed are counted and left for the sweep.
   */
  async remove(actor: Principal, id: string): Promise<CompanyDeletionDto> {
    const company = await this.get(actor, id, 'write');
    if (company.isDefault) throw new ApiException(409, ErrorCode.Conflict, 'The default company cannot be deleted');
    const users = (await this.dataSource.query(`SELECT count(*)::int AS n FROM users WHERE company_id = $1`, [id])) as Array<{ n: number }>;
    if (users[0].n > 0) {
      throw new ApiException(409, ErrorCode.Conflict, `The company still has ${users[0].n} user account(s); delete or move them first`);
    }
    const removal = await this.files.removeAll(company);
    const deleted = await this.dataSource.transaction(async (manager) => {
      const clients = (await manager.query(`DELETE FROM clients WHERE company_id = $1`, [id])) as [unknown[], number];
      await manager.delete(CompanyEntity, { id });
      return clients[1];
    });
    this.files.invalidate(id);
    await this.audit.record({
      action: 'company.deleted',
      actor,
      target: { type: 'company', id },
      details: { name: company.name, deletedClients: deleted, deletedObjects: removal.deleted, failedObjects: removal.failed },
    });
    if (removal.failed > 0) this.logger.warn(`company ${id} deleted; ${removal.failed} stored object(s) could not be removed`);
    return { id, deletedClients: deleted, deletedObjects: removal.deleted, failedObjects: removal.failed };
  }

  async storageInfo(principal: Principal, id: string): Promise<StorageInfoDto> {
    const company = await this.get(principal, id);
    const connection = company.storageConnectionId ? await this.connections.findOneBy({ id: company.storageConnectionId }) : null;
    const usage = await this.files.usage(company);
    return {
      companyId: company.id,
      type: company.storageType,
      connectionId: company.storageConnectionId,
      connectionName: connection?.name ?? null,
      folder: company.storageFolder,
      reachable: usage !== null,
      objectCount: usage?.objects ?? null,
      bytesUsed: usage?.bytes ?? null,
    };
  }

  private async assertNameFree(name: string): Promise<void> {
    const taken = await this.companies.createQueryBuilder('c').where('lower(c.name) = lower(:name)', { name }).getExists();
    if (taken) throw new ApiException(409, ErrorCode.Conflict, 'A company with this name already exists');
  }

  /** Cross-field storage rules: remote storage needs an active, successfully tested connection of that type. */
  private async resolveStorage(storage: CompanyStorageDto, isDefault: boolean): Promise<ResolvedStorage> {
    if (storage.type === 'local') {
      if (storage.connectionId) throw invalid('storage.connectionId', 'local storage takes no connection');
      return { storageType: 'local', storageConnectionId: null, storageFolder: null };
    }
    if (isDefault) throw invalid('storage.type', 'the default company stays on local storage');
    if (!storage.connectionId) throw invalid('storage.connectionId', `${storage.type} storage needs a storage connection`);
    const connection = await this.connections.findOneBy({ id: storage.connectionId });
    if (!connection) throw invalid('storage.connectionId', 'storage connection does not exist');
    if (connection.type !== storage.type)
      throw invalid('storage.connectionId', `the connection is of type ${connection.type}, not ${storage.type}`);
    if (!connection.isActive) throw invalid('storage.connectionId', 'the storage connection is not active');
    if (connection.lastTestOk !== true)
      throw invalid('storage.connectionId', 'test the storage connection successfully first (POST …/test)');
    if (storage.type === 'yandex_disk' && !storage.folder) throw invalid('storage.folder', 'Yandex Disk storage needs a folder');
    return { storageType: storage.type, storageConnectionId: connection.id, storageFolder: storage.folder ?? null };
  }
}
