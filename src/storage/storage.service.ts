import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '@app/config/app-config';
import { LocalStorageAdapter } from './adapters/local.adapter';
import { S3StorageAdapter } from './adapters/s3.adapter';
import { CompanyScopedAdapter } from './company-scoped.adapter';
import { StorageConnectionEntity } from './entities/storage-connection.entity';
import { StorageAdapterFactory } from './storage-adapter.factory';
import type { StorageAdapter } from './storage-adapter';
import { StorageUnavailableError } from './storage-errors';

/** What StorageService needs to know about a company (the CompaniesModule passes its entity). */
export interface CompanyStorageBinding {
  id: string;
  storageType: 'local' | 's3' | 'yandex_disk';
  storageConnectionId: string | null;
  storageFolder: string | null;
}

interface CacheEntry {
  signature: string;
  adapter: CompanyScopedAdapter;
}

/**
 * Resolves the adapter a company stores its files with. Remote adapters are cached per company and rebuilt
 * when the binding (type, connection, folder) or the connection's `updatedAt` changes — checked with one
 * primary-key read per call, so other instances' updates are seen too. `invalidate()` drops entries at once.
 */
@Injectable()
export class StorageService implements OnApplicationShutdown {
  private readonly local: LocalStorageAdapter;
  private readonly cache = new Map<string, CacheEntry>();

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @InjectRepository(StorageConnectionEntity) private readonly connections: Repository<StorageConnectionEntity>,
    private readonly factory: StorageAdapterFactory,
  ) {
    this.local = new LocalStorageAdapter(config.storage.root);
  }

  /** The local adapter (root `STORAGE_ROOT`), e.g. for health checks and backups. */
  get localAdapter(): LocalStorageAdapter {
    return this.local;
  }

  async forCompany(company: CompanyStorageBinding): Promise<StorageAdapter> {
    if (company.storageType === 'local') {
      const cached = this.cache.get(company.id);
      if (cached?.signature === 'local') return cached.adapter;
      this.replace(company.id, { signature: 'local', adapter: new CompanyScopedAdapter(this.local, company.id) });
      return this.cache.get(company.id)!.adapter;
    }
    if (!company.storageConnectionId) throw new StorageUnavailableError(`company ${company.id} has remote storage but no connection`);
    const stamp = await this.connections.findOne({
      where: { id: company.storageConnectionId },
      select: { id: true, updatedAt: true, isActive: true, type: true },
    });
    if (!stamp) throw new StorageUnavailableError(`storage connection ${company.storageConnectionId} no longer exists`);
    if (!stamp.isActive) throw new StorageUnavailableError(`storage connection ${stamp.id} is disabled`);
    if (stamp.type !== company.storageType)
      throw new StorageUnavailableError(`storage connection ${stamp.id} is not of type ${company.storageType}`);
    const signature = [company.storageType, stamp.id, stamp.updatedAt.toISOString(), company.storageFolder ?? ''].join('|');
    const cached = this.cache.get(company.id);
    if (cached?.signature === signature) return cached.adapter;
    const connection = await this.connections.findOneByOrFail({ id: stamp.id });
    const adapter = new CompanyScopedAdapter(this.factory.build(connection, company.storageFolder), company.id);
    this.replace(company.id, { signature, adapter });
    return adapter;
  }

  /** Drops the cached adapter of one company, or of every company (after a connection changed). */
  invalidate(companyId?: string): void {
    for (const id of [...this.cache.keys()]) {
      // Not destroyed here: a request may still be streaming through it; its sockets close when idle.
      if (companyId === undefined || id === companyId) this.cache.delete(id);
    }
  }

  onApplicationShutdown(): void {
    for (const entry of this.cache.values()) if (entry.adapter.inner instanceof S3StorageAdapter) entry.adapter.inner.destroy();
    this.cache.clear();
  }

  private replace(companyId: string, entry: CacheEntry): void {
    this.cache.set(companyId, entry);
  }
}
