import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { Principal } from '@app/common/auth.decorators';
import { APP_CONFIG, type AppConfig } from '@app/config/app-config';
import { AuditService } from '@app/security/audit/audit.service';
import { Clock } from '@app/security/clock';
import { ApiException, ErrorCode } from '@app/security/errors';
import { YandexDiskStorageAdapter, type FolderEntry } from './adapters/yandex-disk.adapter';
import { S3StorageAdapter } from './adapters/s3.adapter';
import type { FolderQueryDto } from './dto/storage-connection.dto';
import { StorageConnectionEntity } from './entities/storage-connection.entity';
import { StorageAdapterFactory } from './storage-adapter.factory';
import type { StorageTestResult } from './storage-adapter';
import { ObjectNotFoundError, StorageUnavailableError } from './storage-errors';
import { StorageConnectionsService } from './storage-connections.service';

export interface ConnectionTestOutcome extends StorageTestResult {
  at: Date;
}

/** Talks to the configured service: the connection test (stored as the last test status) and folder browsing. */
@Injectable()
export class StorageConnectionTesterService {
  private readonly logger = new Logger('StorageConnectionTest');

  constructor(
    @InjectRepository(StorageConnectionEntity) private readonly connections: Repository<StorageConnectionEntity>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly service: StorageConnectionsService,
    private readonly factory: StorageAdapterFactory,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async test(actor: Principal, id: string): Promise<ConnectionTestOutcome> {
    const connection = await this.service.get(id);
    const result = await this.run(connection);
    const at = this.clock.now();
    const message = result.message.slice(0, 500);
    // Only if the settings did not change meanwhile (a test of old settings must not bless new ones).
    await this.connections
      .createQueryBuilder()
      .update(StorageConnectionEntity)
      .set({ lastTestOk: result.ok, lastTestMessage: message, lastTestAt: at, updatedAt: () => 'updated_at' })
      .where('id = :id AND config = CAST(:config AS jsonb) AND secrets = CAST(:secrets AS jsonb)', {
        id,
        config: JSON.stringify(connection.config),
        secrets: JSON.stringify(connection.secrets),
      })
      .execute();
    await this.audit.record({
      action: 'storage_connection.tested',
      outcome: result.ok ? 'success' : 'failure',
      actor,
      target: { type: 'storage_connection', id },
      details: { type: connection.type, ok: result.ok, message },
    });
    return { ok: result.ok, message, at };
  }

  private async run(connection: StorageConnectionEntity): Promise<StorageTestResult> {
    let adapter: S3StorageAdapter | YandexDiskStorageAdapter;
    try {
      adapter = this.factory.build(connection);
    } catch (error) {
      return { ok: false, message: error instanceof StorageUnavailableError ? error.publicMessage : 'The connection settings are invalid' };
    }
    const limit = this.config.storage.timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<StorageTestResult>((resolve) => {
      timer = setTimeout(
        () => resolve({ ok: false, message: `No answer within ${Math.round(limit / 1000)} s (host unreachable or too slow)` }),
        limit,
      );
    });
    try {
      return await Promise.race([
        adapter.test().catch((error: unknown): StorageTestResult => {
          this.logger.warn({ connectionId: connection.id, error: (error as Error).name }, 'storage connection test failed unexpectedly');
          return {
            ok: false,
            message: error instanceof StorageUnavailableError ? error.message.replace(/^storage unavailable: /, '') : 'The test failed',
          };
        }),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
      if (adapter instanceof S3StorageAdapter) adapter.destroy();
    }
  }

  async folders(
    id: string,
    query: FolderQueryDto,
  ): Promise<{ path: string; items: FolderEntry[]; page: number; limit: number; hasMore: boolean }> {
    const connection = await this.service.get(id);
    if (connection.type !== 'yandex_disk') {
      throw new ApiException(400, ErrorCode.BadRequest, 'Folder browsing is available for yandex_disk connections only');
    }
    const adapter = this.factory.build(connection) as YandexDiskStorageAdapter;
    const page = query.page ?? 1;
    const limit = query.limit ?? 50;
    const path = query.path ?? '';
    try {
      const listing = await adapter.folders(path, limit, (page - 1) * limit);
      const hasMore = listing.total !== null ? listing.total > page * limit : false;
      return { path: path.replace(/^\/+|\/+$/g, ''), items: listing.items, page, limit, hasMore };
    } catch (error) {
      if (error instanceof ObjectNotFoundError) throw new ApiException(404, ErrorCode.NotFound, 'No such folder on the disk');
      throw error;
    }
  }
}
