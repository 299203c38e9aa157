import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, Matches } from 'class-validator';
import { PageQueryDto } from '@app/common/pagination';
import { IsCleanString, IsIntegerQuery, IsOptionalNonNull } from '@app/common/validation';
import { STORAGE_CONNECTION_TYPES, type StorageConnectionType } from '../entities/storage-connection.entity';
import { ForType, IsBucketName, IsCredential, IsRedirectUri, IsStorageEndpoint, IsStoragePath } from './storage-validators';

const REGION = /^[a-z0-9][a-z0-9-]{0,31}$/;
const CLIENT_ID = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * One body for both types, discriminated by `type`: the fields of the other type are refused.
 * `s3`: endpoint, region, bucket, accessKeyId, secretAccessKey, forcePathStyle, basePath?.
 * `yandex_disk`: oauthToken, clientId, clientSecret, redirectUri, basePath?.
 */
export class CreateStorageConnectionDto {
  @ApiProperty({ example: 'Yandex Object Storage', maxLength: 100, description: 'Unique (case-insensitive).' })
  @IsCleanString({ max: 100 })
  name: string;

  @ApiProperty({ enum: STORAGE_CONNECTION_TYPES, example: 's3' })
  @IsIn(STORAGE_CONNECTION_TYPES)
  type: StorageConnectionType;

  @ApiPropertyOptional({ default: true })
  @IsOptionalNonNull()
  @IsBoolean()
  isActive?: boolean;

  @ApiPropertyOptional({
    example: 'https://storage.yandexcloud.net',
    maxLength: 2048,
    description: 's3: https origin (http only for loopback hosts), no credentials, no path.',
  })
  @ForType('s3')
  @IsStorageEndpoint()
  endpoint?: string;

  @ApiPropertyOptional({ example: 'ru-central1', maxLength: 32, description: 's3 only.' })
  @ForType('s3')
  @Matches(REGION, { message: '$property must be a region name like us-east-1' })
  region?: string;

  @ApiPropertyOptional({ example: 'vertex-media', minLength: 3, maxLength: 63, description: 's3 only; S3 bucket naming rules.' })
  @ForType('s3')
  @IsBucketName()
  bucket?: string;

  @ApiPropertyOptional({ format: 'password', maxLength: 128, description: 's3 only. Stored encrypted, never returned.' })
  @ForType('s3')
  @IsCredential(128)
  accessKeyId?: string;

  @ApiPropertyOptional({ format: 'password', maxLength: 256, description: 's3 only. Stored encrypted, never returned.' })
  @ForType('s3')
  @IsCredential(256)
  secretAccessKey?: string;

  @ApiPropertyOptional({ example: true, description: 's3 only: path-style URLs (MinIO and most non-AWS servers need true).' })
  @ForType('s3')
  @IsBoolean()
  forcePathStyle?: boolean;

  @ApiPropertyOptional({ format: 'password', maxLength: 2048, description: 'yandex_disk only. Stored encrypted, never returned.' })
  @ForType('yandex_disk')
  @IsCredential(2048)
  oauthToken?: string;

  @ApiPropertyOptional({
    example: '8d2a1b1c0f7e4a3b9c6d5e4f3a2b1c0d',
    maxLength: 128,
    description: 'yandex_disk only: OAuth application id.',
  })
  @ForType('yandex_disk')
  @Matches(CLIENT_ID, { message: '$property must be 1-128 letters, digits, _ or -' })
  clientId?: string;

  @ApiPropertyOptional({ format: 'password', maxLength: 256, description: 'yandex_disk only. Stored encrypted, never returned.' })
  @ForType('yandex_disk')
  @IsCredential(256)
  clientSecret?: string;

  @ApiPropertyOptional({ example: 'https://admin.vertex-ar.example/oauth/yandex', maxLength: 2048, description: 'yandex_disk only.' })
  @ForType('yandex_disk')
  @IsRedirectUri()
  redirectUri?: string;

  @ApiPropertyOptional({ example: 'vertex-ar', maxLength: 255, description: 'Folder inside the bucket/disk that holds everything.' })
  @IsOptionalNonNull()
  @IsStoragePath()
  basePath?: string;
}

/** Partial update; the type cannot change. Fields of the other type are refused (400). */
export class UpdateStorageConnectionDto {
  @ApiPropertyOptional({ maxLength: 100 })
  @IsOptionalNonNull()
  @IsCleanString({ max: 100 })
  name?: string;

  @ApiPropertyOptional()
  @IsOptionalNonNull()
  @IsBoolean()
  isActive?: boolean;

  @ApiPropertyOptional({ maxLength: 2048 })
  @IsOptionalNonNull()
  @IsStorageEndpoint()
  endpoint?: string;

  @ApiPropertyOptional({ maxLength: 32 })
  @IsOptionalNonNull()
  @Matches(REGION, { message: '$property must be a region name like us-east-1' })
  region?: string;

  @ApiPropertyOptional({ maxLength: 63 })
  @IsOptionalNonNull()
  @IsBucketName()
  bucket?: string;

  @ApiPropertyOptional({ format: 'password', maxLength: 128 })
  @IsOptionalNonNull()
  @IsCredential(128)
  accessKeyId?: string;

  @ApiPropertyOptional({ format: 'password', maxLength: 256 })
  @IsOptionalNonNull()
  @IsCredential(256)
  secretAccessKey?: string;

  @ApiPropertyOptional()
  @IsOptionalNonNull()
  @IsBoolean()
  forcePathStyle?: boolean;

  @ApiPropertyOptional({ format: 'password', maxLength: 2048 })
  @IsOptionalNonNull()
  @IsCredential(2048)
  oauthToken?: string;

  @ApiPropertyOptional({ maxLength: 128 })
  @IsOptionalNonNull()
  @Matches(CLIENT_ID, { message: '$property must be 1-128 letters, digits, _ or -' })
  clientId?: string;

  @ApiPropertyOptional({ format: 'password', maxLength: 256 })
  @IsOptionalNonNull()
  @IsCredential(256)
  clientSecret?: string;

  @ApiPropertyOptional({ maxLength: 2048 })
  @IsOptionalNonNull()
  @IsRedirectUri()
  redirectUri?: string;

  @ApiPropertyOptional({ maxLength: 255, description: 'Empty string: no base folder.' })
  @IsOptionalNonNull()
  @IsStoragePath()
  basePath?: string;
}

export class StorageConnectionQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: STORAGE_CONNECTION_TYPES })
  @IsOptional()
  @IsIn(STORAGE_CONNECTION_TYPES)
  type?: StorageConnectionType;
}

export class FolderQueryDto {
  @ApiPropertyOptional({
    example: 'vertex-ar/companies',
    maxLength: 1024,
    description: 'Folder under the connection base path; empty: the base path.',
  })
  @IsOptional()
  @IsStoragePath(1024)
  path?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 1 })
  @IsOptional()
  @IsIntegerQuery(1, 1000)
  page?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 50 })
  @IsOptional()
  @IsIntegerQuery(1, 100)
  limit?: number;
}
