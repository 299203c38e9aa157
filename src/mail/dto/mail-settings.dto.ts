import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Max,
  Min,
  Validate,
  ValidateIf,
  type ValidatorConstraintInterface,
  ValidatorConstraint,
} from 'class-validator';
import { IsCleanString, IsEmailAddress } from '@app/common/validation';
import {
  MAIL_LOCALES,
  SMTP_SECURITY,
  type MailLocaleCode,
  type MailSettingsEntity,
  type SmtpSecurity,
} from '../entities/mail-settings.entity';
import { hostSyntaxProblem } from '../smtp-host-guard';

@ValidatorConstraint({ name: 'smtpHost' })
class SmtpHostSyntax implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && hostSyntaxProblem(value) === null;
  }

  defaultMessage(): string {
    return 'host must be a hostname or a canonical IP address (at most 253 characters)';
  }
}

export class UpdateMailSettingsDto {
  @ApiProperty({
    example: 'smtp.example.com',
    maxLength: 253,
    description: 'Hostname or IP. Private/loopback/metadata addresses are refused unless MAIL_ALLOW_PRIVATE_HOSTS=true.',
  })
  @IsCleanString({ max: 253 })
  @Validate(SmtpHostSyntax)
  host: string;

  @ApiProperty({ example: 587, minimum: 1, maximum: 65535 })
  @IsInt()
  @Min(1)
  @Max(65535)
  port: number;

  @ApiProperty({
    enum: SMTP_SECURITY,
    example: 'starttls',
    description: 'tls: implicit TLS (465); starttls: upgrade required; none: plain (not recommended).',
  })
  @IsIn(SMTP_SECURITY)
  security: SmtpSecurity;

  @ApiPropertyOptional({
    example: 'mailer@example.com',
    maxLength: 254,
    nullable: true,
    type: String,
    description: 'Omit or null: no authentication.',
  })
  @IsOptional()
  @IsCleanString({ max: 254 })
  username?: string | null;

  @ApiPropertyOptional({
    format: 'password',
    maxLength: 512,
    nullable: true,
    type: String,
    description: 'Write-only. Omit to keep the stored password, null to remove it.',
  })
  @ValidateIf((_dto, value) => value !== undefined && value !== null)
  @IsString()
  @Length(1, 512, { message: 'password must be 1-512 characters' })
  password?: string | null;

  @ApiProperty({ example: 'no-reply@studio.example', maxLength: 254 })
  @IsEmailAddress()
  fromAddress: string;

  @ApiPropertyOptional({ example: 'Vertex AR', maxLength: 200, nullable: true, type: String })
  @IsOptional()
  @IsCleanString({ max: 200 })
  fromName?: string | null;

  @ApiPropertyOptional({ enum: MAIL_LOCALES, default: 'en', description: 'Language of notifications that carry none.' })
  @IsOptional()
  @IsIn(MAIL_LOCALES)
  defaultLocale?: MailLocaleCode;

  @ApiProperty({ example: true })
  @IsBoolean()
  enabled: boolean;
}

export class MailSettingsResponseDto {
  @ApiProperty({ description: 'false until SMTP settings have been saved.' }) configured: boolean;
  @ApiProperty({ nullable: true, type: String, example: 'smtp.example.com' }) host: string | null;
  @ApiProperty({ nullable: true, type: Number, example: 587 }) port: number | null;
  @ApiProperty({ nullable: true, enum: SMTP_SECURITY, example: 'starttls' }) security: SmtpSecurity | null;
  @ApiProperty({ nullable: true, type: String, example: 'mailer@example.com' }) username: string | null;
  @ApiProperty({ description: 'A password is stored (it is never returned).', example: true }) hasPassword: boolean;
  @ApiProperty({ nullable: true, type: String, example: 'no-reply@studio.example' }) fromAddress: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'Vertex AR' }) fromName: string | null;
  @ApiProperty({ enum: MAIL_LOCALES, example: 'en' }) defaultLocale: MailLocaleCode;
  @ApiProperty({ example: true }) enabled: boolean;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) updatedAt: string | null;
}

export class SendTestMailDto {
  @ApiProperty({ example: 'admin@studio.example', maxLength: 254 })
  @IsEmailAddress()
  to: string;
}

export class TestMailResultDto {
  @ApiProperty({ format: 'uuid', description: 'The outbox row.' }) id: string;
  @ApiProperty({
    enum: ['queued', 'sending', 'sent', 'failed'],
    example: 'sent',
    description: 'queued/sending: no result within ~10 s yet.',
  })
  status: string;
  @ApiProperty({ example: 1 }) attempts: number;
  @ApiProperty({ nullable: true, type: String, example: null, description: 'Last delivery error (no credentials).' }) lastError:
    string | null;
}

export function mapMailSettings(row: MailSettingsEntity | null): MailSettingsResponseDto {
  if (!row) {
    return {
      configured: false,
      host: null,
      port: null,
      security: null,
      username: null,
      hasPassword: false,
      fromAddress: null,
      fromName: null,
      defaultLocale: 'en',
      enabled: false,
      updatedAt: null,
    };
  }
  return {
    configured: true,
    host: row.host,
    port: row.port,
    security: row.security,
    username: row.username,
    hasPassword: row.passwordEncrypted !== null,
    fromAddress: row.fromAddress,
    fromName: row.fromName,
    defaultLocale: row.defaultLocale,
    enabled: row.enabled,
    updatedAt: row.updatedAt.toISOString(),
  };
}
