import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength, ValidateIf, ValidateNested } from 'class-validator';
import { PageMetaDto, PageQueryDto } from '@app/common/pagination';
import { IsCleanString, IsEmailAddress, IsOptionalNonNull } from '@app/common/validation';
import { IsPhoneNumber, IsSocialLinks, IsWebsite } from '../contact-validators';
import { STORAGE_TYPES, type CompanyEntity, type CompanyStorageType } from '../entities/company.entity';

/** Folder on the remote storage, relative to the connection's base path: plain segments only. */
const FOLDER_PATTERN = /^(?!.*(?:^|\/)\.{1,2}(?:\/|$))[A-Za-z0-9 _.-]+(?:\/[A-Za-z0-9 _.-]+)*$/;

export class CompanyStorageDto {
  @ApiProperty({ enum: STORAGE_TYPES, example: 'local' })
  @IsIn(STORAGE_TYPES)
  type: CompanyStorageType;

  @ApiPropertyOptional({ format: 'uuid', description: 'Required for s3 and yandex_disk: an active, successfully tested connection.' })
  @ValidateIf((dto: CompanyStorageDto) => dto.type !== 'local' || dto.connectionId !== undefined)
  @IsUUID()
  connectionId?: string;

  @ApiPropertyOptional({ example: 'vertex/acme', description: 'Required for yandex_disk; optional prefix for s3.', maxLength: 1024 })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  @Matches(FOLDER_PATTERN, { message: 'folder must be relative path segments of letters, digits, space, _ . - (no .. or leading /)' })
  folder?: string;
}

export class CreateCompanyDto {
  @ApiProperty({ example: 'Acme Photo Studio', minLength: 1, maxLength: 255 })
  @IsCleanString({ max: 255 })
  name: string;

  @ApiPropertyOptional({ example: 'hello@acme.example' })
  @IsOptional()
  @IsEmailAddress()
  email?: string;

  @ApiPropertyOptional({ example: '+7 (912) 345-67-89', description: '7–20 digits; spaces, dashes, parentheses and dots are ignored.' })
  @IsOptional()
  @IsPhoneNumber()
  phone?: string;

  @ApiPropertyOptional({ example: 'https://acme.example' })
  @IsOptional()
  @IsWebsite()
  website?: string;

  @ApiPropertyOptional({ example: 'Kazan', maxLength: 120 })
  @IsOptional()
  @IsCleanString({ max: 120 })
  city?: string;

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional()
  @IsCleanString({ min: 0, max: 2000 })
  description?: string;

  @ApiPropertyOptional({
    example: { instagram: 'https://instagram.com/acme', vk: 'https://vk.com/acme' },
    type: 'object',
    additionalProperties: { type: 'string' },
  })
  @IsOptional()
  @IsSocialLinks()
  socialLinks?: Record<string, string>;

  @ApiPropertyOptional({ example: 'Olga Petrova', maxLength: 200 })
  @IsOptional()
  @IsCleanString({ max: 200 })
  managerName?: string;

  @ApiPropertyOptional({ example: '+79123456780' })
  @IsOptional()
  @IsPhoneNumber()
  managerPhone?: string;

  @ApiPropertyOptional({ example: 'olga@acme.example' })
  @IsOptional()
  @IsEmailAddress()
  managerEmail?: string;

  @ApiPropertyOptional({ type: CompanyStorageDto, description: 'Defaults to local storage.' })
  @IsOptional()
  @ValidateNested()
  @Type(() => CompanyStorageDto)
  storage?: CompanyStorageDto;
}

/** Every field optional; `null` clears an optional contact field. */
export class UpdateCompanyDto {
  @ApiPropertyOptional({ maxLength: 255 })
  @IsOptionalNonNull()
  @IsCleanString({ max: 255 })
  name?: string;

  @ApiPropertyOptional({ nullable: true, type: String, maxLength: 254 })
  @IsOptional()
  @IsEmailAddress()
  email?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String, maxLength: 32 })
  @IsOptional()
  @IsPhoneNumber()
  phone?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String, maxLength: 2048 })
  @IsOptional()
  @IsWebsite()
  website?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String, maxLength: 120 })
  @IsOptional()
  @IsCleanString({ max: 120 })
  city?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String, maxLength: 2000 })
  @IsOptional()
  @IsCleanString({ min: 0, max: 2000 })
  description?: string | null;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } })
  @IsOptionalNonNull()
  @IsSocialLinks()
  socialLinks?: Record<string, string>;

  @ApiPropertyOptional({ nullable: true, type: String, maxLength: 200 })
  @IsOptional()
  @IsCleanString({ max: 200 })
  managerName?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String, maxLength: 32 })
  @IsOptional()
  @IsPhoneNumber()
  managerPhone?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String, maxLength: 254 })
  @IsOptional()
  @IsEmailAddress()
  managerEmail?: string | null;

  @ApiPropertyOptional({ type: CompanyStorageDto })
  @IsOptionalNonNull()
  @ValidateNested()
  @Type(() => CompanyStorageDto)
  storage?: CompanyStorageDto;
}

export class CompanyQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Matches name, e-mail or city (case-insensitive).', maxLength: 100 })
  @IsOptional()
  @IsCleanString({ max: 100 })
  search?: string;
}

export class CompanyStorageResponseDto {
  @ApiProperty({ enum: STORAGE_TYPES }) type: CompanyStorageType;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) connectionId: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'vertex/acme' }) folder: string | null;
}

export class CompanyResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'Acme Photo Studio' }) name: string;
  @ApiProperty({ nullable: true, type: String }) email: string | null;
  @ApiProperty({ nullable: true, type: String, example: '+79123456789' }) phone: string | null;
  @ApiProperty({ nullable: true, type: String }) website: string | null;
  @ApiProperty({ nullable: true, type: String }) city: string | null;
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) socialLinks: Record<string, string>;
  @ApiProperty({ nullable: true, type: String }) managerName: string | null;
  @ApiProperty({ nullable: true, type: String }) managerPhone: string | null;
  @ApiProperty({ nullable: true, type: String }) managerEmail: string | null;
  @ApiProperty({ type: CompanyStorageResponseDto }) storage: CompanyStorageResponseDto;
  @ApiProperty({ description: 'The built-in company: cannot be deleted or moved off local storage.' }) isDefault: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class CompanyPageDto extends PageMetaDto {
  @ApiProperty({ type: [CompanyResponseDto] }) items: CompanyResponseDto[];
}

export class CompanyDeletionDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 12, description: 'Client rows removed with the company.' }) deletedClients: number;
  @ApiProperty({ example: 48, description: 'Stored objects removed from the company’s storage.' }) deletedObjects: number;
  @ApiProperty({ example: 0, description: 'Objects that could not be removed (left for the sweep; see the audit log).' })
  failedObjects: number;
}

export class StorageInfoDto {
  @ApiProperty({ format: 'uuid' }) companyId: string;
  @ApiProperty({ enum: STORAGE_TYPES }) type: CompanyStorageType;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) connectionId: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'Studio MinIO' }) connectionName: string | null;
  @ApiProperty({ nullable: true, type: String }) folder: string | null;
  @ApiProperty({ description: 'Whether the storage answered just now.' }) reachable: boolean;
  @ApiProperty({ nullable: true, type: Number, example: 48, description: 'Objects under the company’s prefix (null when unreachable).' })
  objectCount: number | null;
  @ApiProperty({ nullable: true, type: Number, example: 734003200, description: 'Bytes under the company’s prefix.' })
  bytesUsed: number | null;
}

export function mapCompany(company: CompanyEntity): CompanyResponseDto {
  return {
    id: company.id,
    name: company.name,
    email: company.email,
    phone: company.phone,
    website: company.website,
    city: company.city,
    description: company.description,
    socialLinks: company.socialLinks ?? {},
    managerName: company.managerName,
    managerPhone: company.managerPhone,
    managerEmail: company.managerEmail,
    storage: { type: company.storageType, connectionId: company.storageConnectionId, folder: company.storageFolder },
    isDefault: company.isDefault,
    createdAt: company.createdAt.toISOString(),
    updatedAt: company.updatedAt.toISOString(),
  };
}
