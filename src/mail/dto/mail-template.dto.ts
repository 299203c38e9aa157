import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsIn,
  IsOptional,
  IsString,
  Length,
  Matches,
  Validate,
  ValidatorConstraint,
  type ValidatorConstraintInterface,
} from 'class-validator';
import { applyDecorators } from '@nestjs/common';
import { IsCleanString } from '@app/common/validation';
import { MAIL_LOCALES, type MailLocaleCode } from '../entities/mail-settings.entity';
import { ALL_VARIABLE_NAMES, TEMPLATE_KEYS } from '../template-catalog';
import type { LocalizedTemplate, TemplateView } from '../mail-templates.service';
import type { RenderedMail } from '../template-renderer';

/** Multi-line text: line breaks and tabs allowed, other control and bidi-override characters not. */
// eslint-disable-next-line no-control-regex
const MULTILINE_CLEAN = /^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200b\ufeff]*$/;

function IsMultilineText(max: number): PropertyDecorator {
  return applyDecorators(
    IsString(),
    Length(1, max),
    Matches(MULTILINE_CLEAN, { message: '$property contains control or invisible formatting characters' }),
  );
}

export const MAX_TEMPLATE_HTML = 100_000;
export const MAX_TEMPLATE_TEXT = 50_000;

export class UpdateMailTemplateDto {
  @ApiProperty({ enum: MAIL_LOCALES, example: 'en' })
  @IsIn(MAIL_LOCALES)
  locale: MailLocaleCode;

  @ApiProperty({ example: 'Order for {{clientName}} is ready', maxLength: 200, description: 'One line; {{variables}} allowed.' })
  @IsCleanString({ max: 200 })
  subject: string;

  @ApiProperty({
    example: '<p>Hello, {{companyName}}!</p><p><a href="{{arUrl}}">Open</a></p>',
    maxLength: MAX_TEMPLATE_HTML,
    description: 'Sanitized on save (no scripts, event handlers, javascript: URLs, styles or forms).',
  })
  @IsMultilineText(MAX_TEMPLATE_HTML)
  html: string;

  @ApiPropertyOptional({
    maxLength: MAX_TEMPLATE_TEXT,
    nullable: true,
    type: String,
    description: 'Text part; omit or null to generate it from the HTML.',
  })
  @IsOptional()
  @IsMultilineText(MAX_TEMPLATE_TEXT)
  text?: string | null;
}

@ValidatorConstraint({ name: 'templateVariables' })
class TemplateVariablesConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    if (Object.getPrototypeOf(value) !== Object.prototype) return false;
    const entries = Object.entries(value);
    return (
      entries.length <= 20 &&
      entries.every(
        ([name, text]) => ALL_VARIABLE_NAMES.has(name) && typeof text === 'string' && text.length <= 1000 && MULTILINE_CLEAN.test(text),
      )
    );
  }

  defaultMessage(): string {
    return `variables must map known template variables (${[...ALL_VARIABLE_NAMES].join(', ')}) to strings of at most 1000 characters`;
  }
}

export class PreviewMailTemplateDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string', maxLength: 1000 },
    example: { clientName: 'Anna <b>Petrova</b>', companyName: 'Photo Studio North' },
    description: 'Values for the template’s variables (HTML-escaped on render); missing ones use the examples.',
  })
  @Validate(TemplateVariablesConstraint)
  variables: Record<string, string>;

  @ApiPropertyOptional({ enum: MAIL_LOCALES, description: 'Omit to render every locale.' })
  @IsOptional()
  @IsIn(MAIL_LOCALES)
  locale?: MailLocaleCode;
}

export class TemplateVariableDto {
  @ApiProperty({ example: 'clientName' }) name: string;
  @ApiProperty({ example: 'The client’s name' }) description: string;
  @ApiProperty({ example: 'Anna Petrova' }) example: string;
}

export class LocalizedTemplateDto {
  @ApiProperty({ enum: MAIL_LOCALES, example: 'en' }) locale: MailLocaleCode;
  @ApiProperty({ example: 'Order for {{clientName}} is ready' }) subject: string;
  @ApiProperty({ example: '<p>Hello, {{companyName}}!</p>' }) html: string;
  @ApiProperty({ nullable: true, type: String, description: 'null: generated from the HTML.' }) text: string | null;
  @ApiProperty({ description: 'The built-in default (no admin version saved).' }) isDefault: boolean;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) updatedAt: string | null;
}

export class MailTemplateResponseDto {
  @ApiProperty({ enum: TEMPLATE_KEYS, example: 'order-ready' }) key: string;
  @ApiProperty({ example: 'Sent to the company when an order has been processed.' }) description: string;
  @ApiProperty({ type: [TemplateVariableDto] }) variables: TemplateVariableDto[];
  @ApiProperty({ type: [LocalizedTemplateDto] }) locales: LocalizedTemplateDto[];
}

export class MailTemplateListDto {
  @ApiProperty({ type: [MailTemplateResponseDto] }) items: MailTemplateResponseDto[];
}

export class RenderedTemplateDto {
  @ApiProperty({ enum: MAIL_LOCALES, example: 'ru' }) locale: MailLocaleCode;
  @ApiProperty({ example: 'Заказ для Anna Petrova готов' }) subject: string;
  @ApiProperty({ example: '<p>AR-портрет для <strong>Anna &lt;b&gt;Petrova&lt;/b&gt;</strong> готов.</p>' }) html: string;
  @ApiProperty({ example: 'AR-портрет для Anna <b>Petrova</b> готов.' }) text: string;
}

export class TemplatePreviewDto {
  @ApiProperty({ enum: TEMPLATE_KEYS, example: 'order-ready' }) key: string;
  @ApiProperty({ type: [RenderedTemplateDto] }) renders: RenderedTemplateDto[];
}

const mapLocalized = (entry: LocalizedTemplate): LocalizedTemplateDto => ({
  locale: entry.locale,
  subject: entry.subject,
  html: entry.html,
  text: entry.text,
  isDefault: entry.isDefault,
  updatedAt: entry.updatedAt?.toISOString() ?? null,
});

export function mapTemplate(view: TemplateView): MailTemplateResponseDto {
  return {
    key: view.definition.key,
    description: view.definition.description,
    variables: view.definition.variables.map((variable) => ({ ...variable })),
    locales: view.locales.map(mapLocalized),
  };
}

export function mapPreview(key: string, renders: Array<RenderedMail & { locale: MailLocaleCode }>): TemplatePreviewDto {
  return {
    key,
    renders: renders.map((render) => ({ locale: render.locale, subject: render.subject, html: render.html, text: render.text })),
  };
}
