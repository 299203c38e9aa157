import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { Principal } from '@app/common/auth.decorators';
import { resolvePaging, type Page } from '@app/common/pagination';
import { AuditService } from '@app/security/audit/audit.service';
import { ApiException, ErrorCode } from '@app/security/errors';
import { SecretsService } from '@app/security/secrets.service';
import type { CreateStorageConnectionDto, StorageConnectionQueryDto, UpdateStorageConnectionDto } from './dto/storage-connection.dto';
import {
  S3_SECRET_FIELDS,
  StorageConnectionEntity,
  YANDEX_SECRET_FIELDS,
  type S3ConnectionConfig,
  type StorageConnectionType,
  type StorageSecretField,
  type YandexDiskConnectionConfig,
} from './entities/storage-connection.entity';
import { STORAGE_CONNECTIONS_TABLE } from './storage-adapter.factory';
import { STORAGE_CONNECTION_USAGE, type StorageConnectionUsage } from './storage-connection-usage';
import { validatePrefix } from './storage-keys';
import { StorageService } from './storage.service';

const SORTABLE = { name: 'name', type: 'type', createdAt: 'createdAt', updatedAt: 'updatedAt' };

const CONFIG_FIELDS: Record<StorageConnectionType, readonly string[]> = {
  s3: ['endpoint', 'region', 'bucket', 'forcePathStyle', 'basePath'],
  yandex_disk: ['clientId', 'redirectUri', 'basePath'],
};
const SECRET_FIELDS: Record<StorageConnectionType, readonly StorageSecretField[]> = {
  s3: S3_SECRET_FIELDS,
  yandex_disk: YANDEX_SECRET_FIELDS,
};
const ALL_TYPED_FIELDS = [...new Set([...CONFIG_FIELDS.s3, ...CONFIG_FIELDS.yandex_disk, ...S3_SECRET_FIELDS, ...YANDEX_SECRET_FIELDS])];

const notFound = (): ApiException => new ApiException(404, ErrorCode.NotFound, 'Storage connection not found');

type ConnectionInput = Partial<Record<string, string | boolean>>;

/** Admin management of storage connections: secrets encrypted per field, test status reset on every settings change. */
@Injectable()
export class StorageConnectionsService {
  constructor(
    @InjectRepository(StorageConnectionEntity) private readonly connections: Repository<StorageConnectionEntity>,
    @Inject(STORAGE_CONNECTION_USAGE) private readonly usage: StorageConnectionUsage,
    private readonly secrets: SecretsService,
    private readonly storage: StorageService,
    private readonly audit: AuditService,
  ) {}

  async list(query: StorageConnectionQueryDto): Promise<Page<StorageConnectionEntity>> {
    const paging = resolvePaging(query, SORTABLE, 'name');
    const [items, total] = await this.connections.findAndCount({
      where: query.type ? { type: query.type } : {},
      order: { ...paging.orderBy, id: 'ASC' },
      skip: paging.skip,
      take: paging.limit,
    });
    return { items, total, page: paging.page, limit: paging.limit };
  }

  async get(id: string): Promise<StorageConnectionEntity> {
    const connection = await this.connections.findOneBy({ id });
    if (!connection) throw notFound();
    return connection;
  }

  async create(actor: Principal, dto: CreateStorageConnectionDto): Promise<StorageConnectionEntity> {
    await this.assertNameFree(dto.name);
    const id = randomUUID();
    const input = dto as unknown as ConnectionInput;
    const secrets: Partial<Record<StorageSecretField, string>> = {};
    for (const field of SECRET_FIELDS[dto.type]) secrets[field] = this.encrypt(id, field, input[field] as string);
    const connection = await this.connections.save(
      this.connections.create({
        id,
        name: dto.name,
        type: dto.type,
        isActive: dto.isActive ?? true,
        config: this.buildConfig(dto.type, input, null),
        secrets,
        lastTestOk: null,
        lastTestMessage: null,
        lastTestAt: null,
      }),
    );
    await this.audit.record({
      action: 'storage_connection.created',
      actor,
      target: { type: 'storage_connection', id },
      details: { name: dto.name, type: dto.type },
    });
    return connection;
  }

  async update(actor: Principal, id: string, dto: UpdateStorageConnectionDto): Promise<StorageConnectionEntity> {
    const connection = await this.get(id);
    const input = dto as unknown as ConnectionInput;
    const allowed = new Set<string>([...CONFIG_FIELDS[connection.type], ...SECRET_FIELDS[connection.type]]);
    const misplaced = ALL_TYPED_FIELDS.filter((field) => input[field] !== undefined && !allowed.has(field));
    if (misplaced.length > 0) {
      throw new ApiException(
        400,
        ErrorCode.ValidationFailed,
        'Request validation failed',
        misplaced.map((field) => ({ field, message: `${field} does not apply to a ${connection.type} connection` })),
      );
    }
    if (dto.name !== undefined && dto.name.toLowerCase() !== connection.name.toLowerCase()) await this.assertNameFree(dto.name, id);

    const current = connection.config as unknown as ConnectionInput;
    const config = this.buildConfig(connection.type, input, current);
    const changedConfig = CONFIG_FIELDS[connection.type].filter(
      (field) => (config as unknown as ConnectionInput)[field] !== current[field],
    );
    const changedSecrets = SECRET_FIELDS[connection.type].filter((field) => input[field] !== undefined);
    const settingsChanged = changedConfig.length > 0 || changedSecrets.length > 0;
    const secrets = { ...connection.secrets };
    for (const field of changedSecrets) secrets[field] = this.encrypt(id, field, input[field] as string);

    await this.connections.update(
      { id },
      {
        name: dto.name ?? connection.name,
        isActive: dto.isActive ?? connection.isActive,
        config,
        secrets,
        ...(settingsChanged ? { lastTestOk: null, lastTestMessage: null, lastTestAt: null } : {}),
      },
    );
    this.storage.invalidate();
    await this.audit.record({
      action: 'storage_connection.updated',
      actor,
      target: { type: 'storage_connection', id },
      details: {
        fields: Object.keys(dto).map((key) =>
          (SECRET_FIELDS[connection.type] as readonly string[]).includes(key) ? `${key}(replaced)` : key,
        ),
        testStatusReset: settingsChanged,
      },
    });
    return this.get(id);
  }

  /** 409 while anything (a company) uses the connection; 404 when it does not exist. */
  async assertDeletable(id: string): Promise<StorageConnectionEntity> {
    const connection = await this.get(id);
    const users = await this.usage.countUsers(id);
    if (users > 0) {
      throw new ApiException(
        409,
        ErrorCode.Conflict,
        `The storage connection is used by ${users} compan${users === 1 ? 'y' : 'ies'}; move them first`,
      );
    }
    return connection;
  }

  async remove(actor: Principal, id: string): Promise<void> {
    const connection = await this.assertDeletable(id);
    await this.connections.delete({ id });
    this.storage.invalidate();
    await this.audit.record({
      action: 'storage_connection.deleted',
      actor,
      target: { type: 'storage_connection', id },
      details: { name: connection.name, type: connection.type },
    });
  }

  private encrypt(id: string, field: StorageSecretField, value: string): string {
    return this.secrets.encrypt(value, { table: STORAGE_CONNECTIONS_TABLE, id, field });
  }

  private buildConfig(
    type: StorageConnectionType,
    input: ConnectionInput,
    current: ConnectionInput | null,
  ): S3ConnectionConfig | YandexDiskConnectionConfig {
    const pick = <T extends string | boolean>(field: string): T => (input[field] ?? current?.[field]) as T;
    const basePath = validatePrefix(pick<string>('basePath') ?? '', 'basePath');
    if (type === 's3') {
      return {
        endpoint: pick('endpoint'),
        region: pick('region'),
        bucket: pick('bucket'),
        forcePathStyle: pick('forcePathStyle'),
        basePath,
      };
    }
    return { clientId: pick('clientId'), redirectUri: pick('redirectUri'), basePath };
  }

  private async assertNameFree(name: string, exceptId?: string): Promise<void> {
    const qb = this.connections.createQueryBuilder('c').where('lower(c.name) = lower(:name)', { name });
    if (exceptId) qb.andWhere('c.id <> :id', { id: exceptId });
    if ((await qb.getCount()) > 0) throw new ApiException(409, ErrorCode.Conflict, 'A storage connection with this name already exists');
  }
}
