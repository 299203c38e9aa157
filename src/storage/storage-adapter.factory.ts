import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@app/config/app-config';
import { SecretDecryptionError, SecretsService } from '@app/security/secrets.service';
import { S3StorageAdapter } from './adapters/s3.adapter';
import { YandexDiskStorageAdapter } from './adapters/yandex-disk.adapter';
import type { S3ConnectionConfig, StorageConnectionEntity, StorageSecretField } from './entities/storage-connection.entity';
import { StorageUnavailableError } from './storage-errors';
import { joinKey, validatePrefix } from './storage-keys';

export const STORAGE_CONNECTIONS_TABLE = 'storage_connections';

/** Builds adapters from stored connections; the only place their secrets are decrypted. */
@Injectable()
export class StorageAdapterFactory {
  private readonly logger = new Logger('StorageAdapterFactory');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly secrets: SecretsService,
  ) {}

  private secret(connection: StorageConnectionEntity, field: StorageSecretField): string {
    const stored = connection.secrets[field];
    if (!stored) throw new StorageUnavailableError(`connection ${connection.id} has no ${field}`);
    try {
      return this.secrets.decrypt(stored, { table: STORAGE_CONNECTIONS_TABLE, id: connection.id, field });
    } catch (error) {
      if (!(error instanceof SecretDecryptionError)) throw error;
      this.logger.error({ connectionId: connection.id, field }, 'stored storage credential could not be decrypted');
      throw new StorageUnavailableError('the stored credentials could not be decrypted', { cause: error });
    }
  }

  /** An adapter rooted at the connection's base path plus `folder` (a company's folder, optional). */
  build(connection: StorageConnectionEntity, folder?: string | null): S3StorageAdapter | YandexDiskStorageAdapter {
    const prefix = joinKey(validatePrefix(connection.config.basePath, 'basePath'), validatePrefix(folder, 'folder'));
    const timeoutMs = this.config.storage.timeoutMs;
    if (connection.type === 's3') {
      const config = connection.config as S3ConnectionConfig;
      return new S3StorageAdapter({
        endpoint: config.endpoint,
        region: config.region,
        bucket: config.bucket,
        forcePathStyle: config.forcePathStyle,
        accessKeyId: this.secret(connection, 'accessKeyId'),
        secretAccessKey: this.secret(connection, 'secretAccessKey'),
        prefix,
        timeoutMs,
      });
    }
    return new YandexDiskStorageAdapter({
      oauthToken: this.secret(connection, 'oauthToken'),
      apiUrl: this.config.storage.yandexDiskApiUrl,
      timeoutMs,
      prefix,
    });
  }
}
