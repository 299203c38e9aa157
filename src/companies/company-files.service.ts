import { Injectable, Logger } from '@nestjs/common';
import { companyPrefix } from '@app/storage/storage-keys';
import { StorageService } from '@app/storage/storage.service';
import type { CompanyEntity } from './entities/company.entity';

const USAGE_SCAN_LIMIT = 100_000;

/** A company's stored objects, through the company's own storage backend. */
@Injectable()
export class CompanyFilesService {
  private readonly logger = new Logger('CompanyFiles');

  constructor(private readonly storage: StorageService) {}

  invalidate(companyId: string): void {
    this.storage.invalidate(companyId);
  }

  /** Object count and bytes under the company's prefix, or null when the storage does not answer. */
  async usage(company: CompanyEntity): Promise<{ objects: number; bytes: number } | null> {
    try {
      const adapter = await this.storage.forCompany(company);
      let objects = 0;
      let bytes = 0;
      for await (const object of adapter.list(companyPrefix(company.id))) {
        objects++;
        bytes += object.size;
        if (objects >= USAGE_SCAN_LIMIT) break;
      }
      return { objects, bytes };
    } catch (error) {
      this.logger.warn(`storage of company ${company.id} unreachable: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    }
  }

  /** Deletes every object under the company's prefix; counts what could and could not be removed. */
  async removeAll(company: CompanyEntity): Promise<{ deleted: number; failed: number }> {
    const adapter = await this.storage.forCompany(company);
    const keys: string[] = [];
    for await (const object of adapter.list(companyPrefix(company.id))) keys.push(object.key);
    let deleted = 0;
    let failed = 0;
    for (const key of keys) {
      try {
        await adapter.delete(key);
        deleted++;
      } catch (error) {
        failed++;
        this.logger.warn(`could not delete ${key}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return { deleted, failed };
  }
}
