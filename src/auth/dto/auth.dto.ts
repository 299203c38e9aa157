import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';
import { IsEmailAddress, IsPasswordInput } from '@app/common/validation';

export class LoginDto {
  @ApiProperty({ example: 'manager@studio.example', maxLength: 254 })
  @IsEmailAddress()
  email: string;

  @ApiProperty({ example: 'correct horse battery 42', maxLength: 128, format: 'password' })
  @IsPasswordInput()
  password: string;
}

export class RefreshDto {
  @ApiProperty({ description: 'The refresh token from the last login or refresh. Each one works once.', example: 'kq3Rj1c2…' })
  @IsString()
  @Length(20, 200)
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'refreshToken has an invalid format' })
  refreshToken: string;
}

export class ChangePasswordDto {
  @ApiProperty({ format: 'password', maxLength: 128 })
  @IsPasswordInput()
  currentPassword: string;

  @ApiProperty({
    format: 'password',
    minLength: 12,
    maxLength: 128,
    description: '12–128 characters with a letter and a digit; not a common password, not the e-mail.',
  })
  @IsPasswordInput()
  newPassword: string;
}

export class TokenPairDto {
  @ApiProperty({ description: 'JWT (HS256) for the Authorization header.', example: 'eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9…' })
  accessToken: string;
  @ApiProperty({ description: 'Opaque, single-use; exchange at /auth/refresh.', example: 'Zb3k…' })
  refreshToken: string;
  @ApiProperty({ example: 'Bearer' }) tokenType: 'Bearer';
  @ApiProperty({ description: 'Access token lifetime in seconds.', example: 1800 }) expiresIn: number;
}

export class MeDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'manager@studio.example' }) email: string;
  @ApiProperty({ example: 'Maria Ivanova' }) fullName: string;
  @ApiProperty({ enum: ['admin', 'manager', 'viewer'] }) role: 'admin' | 'manager' | 'viewer';
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) companyId: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) lastLoginAt: string | null;
}
