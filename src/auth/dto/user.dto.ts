import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsUUID, ValidateIf } from 'class-validator';
import { PageMetaDto, PageQueryDto } from '@app/common/pagination';
import { IsCleanString, IsEmailAddress, IsOptionalNonNull, IsPasswordInput } from '@app/common/validation';
import { USER_ROLES, type UserEntity, type UserRole } from '../entities/user.entity';

export class CreateUserDto {
  @ApiProperty({ example: 'manager@studio.example', maxLength: 254 })
  @IsEmailAddress()
  email: string;

  @ApiProperty({ example: 'Maria Ivanova', maxLength: 200 })
  @IsCleanString({ max: 200 })
  fullName: string;

  @ApiProperty({ enum: USER_ROLES, example: 'manager' })
  @IsIn(USER_ROLES)
  role: UserRole;

  @ApiPropertyOptional({ format: 'uuid', description: 'Required for manager and viewer; must be absent for admin.' })
  @ValidateIf((dto: CreateUserDto) => dto.role !== 'admin' || dto.companyId !== undefined)
  @IsUUID()
  companyId?: string;

  @ApiProperty({ format: 'password', minLength: 12, maxLength: 128 })
  @IsPasswordInput()
  password: string;
}

export class UpdateUserDto {
  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptionalNonNull()
  @IsCleanString({ max: 200 })
  fullName?: string;

  @ApiPropertyOptional({ enum: USER_ROLES, description: 'Changing the role ends the user’s sessions.' })
  @IsOptionalNonNull()
  @IsIn(USER_ROLES)
  role?: UserRole;

  @ApiPropertyOptional({ format: 'uuid', nullable: true, type: String, description: 'null only for admins.' })
  @IsOptional()
  @IsUUID()
  companyId?: string | null;

  @ApiPropertyOptional({ description: 'false disables the account and ends its sessions.' })
  @IsOptionalNonNull()
  @IsBoolean()
  isActive?: boolean;

  @ApiPropertyOptional({ format: 'password', description: 'Sets a new password and ends the user’s sessions.' })
  @IsOptionalNonNull()
  @IsPasswordInput()
  password?: string;
}

export class UserQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: USER_ROLES })
  @IsOptional()
  @IsIn(USER_ROLES)
  role?: UserRole;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  companyId?: string;

  @ApiPropertyOptional({ description: 'Matches e-mail or full name (case-insensitive).', maxLength: 100 })
  @IsOptional()
  @IsCleanString({ max: 100 })
  search?: string;
}

export class UserResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'manager@studio.example' }) email: string;
  @ApiProperty({ example: 'Maria Ivanova' }) fullName: string;
  @ApiProperty({ enum: USER_ROLES }) role: UserRole;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) companyId: string | null;
  @ApiProperty() isActive: boolean;
  @ApiProperty({ description: 'True while a lockout is in force.' }) isLocked: boolean;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) lastLoginAt: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class UserPageDto extends PageMetaDto {
  @ApiProperty({ type: [UserResponseDto] }) items: UserResponseDto[];
}

export class RevokedSessionsDto {
  @ApiProperty({ example: 2 }) revoked: number;
}

export function mapUser(user: UserEntity, now: Date): UserResponseDto {
  return {
    id: user.id,
    email: user.email,
    fullName: user.fullName,
    role: user.role,
    companyId: user.companyId,
    isActive: user.isActive,
    isLocked: Boolean(user.lockedUntil && user.lockedUntil > now),
    lastLoginAt: user.lastLoginAt?.toISOString() ?? null,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}
