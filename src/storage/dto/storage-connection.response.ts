import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PageMetaDto } from '@app/common/pagination';
import {
  STORAGE_CONNECTION_TYPES,
  type S3ConnectionConfig,
  type StorageConnectionEntity,
  type StorageConnectionType,
  type YandexDiskConnectionConfig,
} from '../entities/storage-connection.entity';

export class StorageTestResultDto {
  @ApiProperty({ example: true }) ok: boolean;
  @ApiProperty({ example: 'Bucket "vertex-media" is reachable and writable', description: 'Never contains a credential.' })
  message: string;
  @ApiProperty({ format: 'date-time' }) at: string;
}

/** A connection as the API shows it: settings, whether each secret is set, never a secret or its ciphertext. */
export class StorageConnectionResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'Yandex Object Storage' }) name: string;
  @ApiProperty({ enum: STORAGE_CONNECTION_TYPES, example: 's3' }) type: StorageConnectionType;
  @ApiProperty() isActive: boolean;
  @ApiProperty({ example: 'vertex-ar', description: 'Empty: the bucket/disk root.' }) basePath: string;
  @ApiPropertyOptional({ example: 'https://storage.yandexcloud.net', description: 's3' }) endpoint?: string;
  @ApiPropertyOptional({ example: 'ru-central1', description: 's3' }) region?: string;
  @ApiPropertyOptional({ example: 'vertex-media', description: 's3' }) bucket?: string;
  @ApiPropertyOptional({ example: true, description: 's3' }) forcePathStyle?: boolean;
  @ApiPropertyOptional({ example: true, description: 's3: an access key id is stored.' }) hasAccessKeyId?: boolean;
  @ApiPropertyOptional({ example: true, description: 's3: a secret access key is stored.' }) hasSecretAccessKey?: boolean;
  @ApiPropertyOptional({ example: '8d2a1b1c0f7e4a3b9c6d5e4f3a2b1c0d', description: 'yandex_disk' }) clientId?: string;
  @ApiPropertyOptional({ example: 'https://admin.vertex-ar.example/oauth/yandex', description: 'yandex_disk' }) redirectUri?: string;
  @ApiPropertyOptional({ example: true, description: 'yandex_disk: an OAuth token is stored.' }) hasOauthToken?: boolean;
  @ApiPropertyOptional({ example: true, description: 'yandex_disk: a client secret is stored.' }) hasClientSecret?: boolean;
  @ApiProperty({ type: StorageTestResultDto, nullable: true, description: 'null until tested, and again after any settings change.' })
  lastTest: StorageTestResultDto | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class StorageConnectionPageDto extends PageMetaDto {
  @ApiProperty({ type: [StorageConnectionResponseDto] }) items: StorageConnectionResponseDto[];
}

export class FolderDto {
  @ApiProperty({ example: 'clients' }) name: string;
  @ApiProperty({ example: 'vertex-ar/clients', description: 'Relative to the connection base path; usable as a company folder.' })
  path: string;
}

export class FolderListDto {
  @ApiProperty({ example: 'vertex-ar', description: 'The folder listed (relative to the base path).' }) path: string;
  @ApiProperty({ type: [FolderDto] }) items: FolderDto[];
  @ApiProperty({ example: 1 }) page: number;
  @ApiProperty({ example: 50 }) limit: number;
  @ApiProperty({ description: 'More entries (files or folders) follow on the next page.' }) hasMore: boolean;
}

export function mapStorageConnection(connection: StorageConnectionEntity): StorageConnectionResponseDto {
  const common = {
    id: connection.id,
    name: connection.name,
    type: connection.type,
    isActive: connection.isActive,
    basePath: connection.config.basePath ?? '',
    lastTest:
      connection.lastTestOk === null || connection.lastTestAt === null
        ? null
        : { ok: connection.lastTestOk, message: connection.lastTestMessage ?? '', at: connection.lastTestAt.toISOString() },
    createdAt: connection.createdAt.toISOString(),
    updatedAt: connection.updatedAt.toISOString(),
  };
  if (connection.type === 's3') {
    const config = connection.config as S3ConnectionConfig;
    return {
      ...common,
      endpoint: config.endpoint,
      region: config.region,
      bucket: config.bucket,
      forcePathStyle: config.forcePathStyle,
      hasAccessKeyId: Boolean(connection.secrets.accessKeyId),
      hasSecretAccessKey: Boolean(connection.secrets.secretAccessKey),
    };
  }
  const config = connection.config as YandexDiskConnectionConfig;
  return {
    ...common,
    clientId: config.clientId,
    redirectUri: config.redirectUri,
    hasOauthToken: Boolean(connection.secrets.oauthToken),
    hasClientSecret: Boolean(connection.secrets.clientSecret),
  };
}
