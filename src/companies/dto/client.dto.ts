import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageMetaDto, PageQueryDto } from '@app/common/pagination';
import { IsCleanString, IsEmailAddress, IsOptionalNonNull } from '@app/common/validation';
import { IsPhoneNumber } from '../contact-validators';
import type { ClientEntity } from '../entities/client.entity';

export class CreateClientDto {
  @ApiProperty({ example: 'Ivan Sidorov', maxLength: 200 })
  @IsCleanString({ max: 200 })
  name: string;

  @ApiProperty({ example: '+7 912 000-11-22', description: 'Unique within the company; stored as + and digits.' })
  @IsPhoneNumber()
  phone: string;

  @ApiPropertyOptional({ example: 'ivan@example.com', description: 'Unique within the company.' })
  @IsOptional()
  @IsEmailAddress()
  email?: string;

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional()
  @IsCleanString({ min: 0, max: 2000 })
  notes?: string;
}

export class UpdateClientDto {
  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptionalNonNull()
  @IsCleanString({ max: 200 })
  name?: string;

  @ApiPropertyOptional({ maxLength: 32 })
  @IsOptionalNonNull()
  @IsPhoneNumber()
  phone?: string;

  @ApiPropertyOptional({ nullable: true, type: String, maxLength: 254 })
  @IsOptional()
  @IsEmailAddress()
  email?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String, maxLength: 2000 })
  @IsOptional()
  @IsCleanString({ min: 0, max: 2000 })
  notes?: string | null;
}

export class ClientQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Matches name, phone or e-mail (case-insensitive).', maxLength: 100 })
  @IsOptional()
  @IsCleanString({ max: 100 })
  search?: string;
}

export class ClientExportQueryDto {
  @ApiPropertyOptional({ enum: ['csv'], default: 'csv' })
  @IsOptional()
  @IsIn(['csv'])
  format?: 'csv';

  @ApiPropertyOptional({ description: 'Exports only the clients matching name, phone or e-mail.', maxLength: 100 })
  @IsOptional()
  @IsCleanString({ max: 100 })
  search?: string;
}

export class ClientResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) companyId: string;
  @ApiProperty({ example: 'Ivan Sidorov' }) name: string;
  @ApiProperty({ example: '+79120001122' }) phone: string;
  @ApiProperty({ nullable: true, type: String }) email: string | null;
  @ApiProperty({ nullable: true, type: String }) notes: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class ClientPageDto extends PageMetaDto {
  @ApiProperty({ type: [ClientResponseDto] }) items: ClientResponseDto[];
}

export function mapClient(client: ClientEntity): ClientResponseDto {
  return {
    id: client.id,
    companyId: client.companyId,
    name: client.name,
    phone: client.phone,
    email: client.email,
    notes: client.notes,
    createdAt: client.createdAt.toISOString(),
    updatedAt: client.updatedAt.toISOString(),
  };
}
