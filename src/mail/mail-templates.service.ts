import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { Principal } from '@app/common/auth.decorators';
import { AuditService } from '@app/security/audit/audit.service';
import { Clock } from '@app/security/clock';
import { ApiException, ErrorCode, type ErrorDetail } from '@app/security/errors';
import { MAIL_LOCALES, type MailLocaleCode } from './entities/mail-settings.entity';
import { MailTemplateEntity } from './entities/mail-template.entity';
import { isTemplateKey, TEMPLATES, type TemplateContent, type TemplateDefinition, type TemplateKey } from './template-catalog';
import { placeholdersIn, renderTemplate, sanitizeTemplateHtml, type RenderedMail } from './template-renderer';

export interface LocalizedTemplate extends TemplateContent {
  locale: MailLocaleCode;
  isDefault: boolean;
  updatedAt: Date | null;
}

export interface TemplateView {
  definition: TemplateDefinition;
  locales: LocalizedTemplate[];
}

export interface SaveTemplateInput {
  locale: MailLocaleCode;
  subject: string;
  html: string;
  text?: string | null;
}

/** Templates: built-in defaults (code) overridden per locale by admin rows; validation, sanitizing, rendering. */
@Injectable()
export class MailTemplatesService {
  constructor(
    @InjectRepository(MailTemplateEntity) private readonly rows: Repository<MailTemplateEntity>,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  definition(key: string): TemplateDefinition {
    if (!isTemplateKey(key)) throw new ApiException(404, ErrorCode.NotFound, 'Unknown mail template');
    return TEMPLATES[key];
  }

  async list(): Promise<TemplateView[]> {
    const overrides = await this.rows.find();
    return Object.values(TEMPLATES).map((definition) => this.view(definition, overrides));
  }

  async get(key: string): Promise<TemplateView> {
    const definition = this.definition(key);
    return this.view(definition, await this.rows.findBy({ key: definition.key }));
  }

  async save(actor: Principal, key: string, input: SaveTemplateInput): Promise<TemplateView> {
    const definition = this.definition(key);
    const declared = new Set(definition.variables.map((variable) => variable.name));
    const details: ErrorDetail[] = [];
    for (const field of ['subject', 'html', 'text'] as const) {
      const value = input[field];
      if (typeof value !== 'string') continue;
      const unknown = placeholdersIn(value).filter((name) => !declared.has(name));
      if (unknown.length > 0) {
        details.push({ field, message: `unknown template variables: ${unknown.join(', ')} (allowed: ${[...declared].join(', ')})` });
      }
    }
    if (details.length > 0) throw new ApiException(400, ErrorCode.ValidationFailed, 'Request validation failed', details);
    const html = sanitizeTemplateHtml(input.html);
    await this.rows.upsert(
      {
        key: definition.key,
        locale: input.locale,
        subject: input.subject,
        html,
        text: input.text ?? null,
        updatedBy: actor.id,
        updatedAt: this.clock.now(),
      },
      ['key', 'locale'],
    );
    await this.audit.record({
      action: 'mail.template_updated',
      actor,
      target: { type: 'mail_template', id: null },
      details: { key, locale: input.locale },
    });
    return this.get(key);
  }

  /** Renders with the given values; missing ones take the declared examples. */
  async preview(
    key: string,
    variables: Record<string, string>,
    locale?: MailLocaleCode,
  ): Promise<Array<RenderedMail & { locale: MailLocaleCode }>> {
    const definition = this.definition(key);
    const unknown = Object.keys(variables).filter((name) => !definition.variables.some((variable) => variable.name === name));
    if (unknown.length > 0) {
      throw new ApiException(400, ErrorCode.ValidationFailed, 'Request validation failed', [
        { field: 'variables', message: `unknown template variables: ${unknown.join(', ')}` },
      ]);
    }
    const values = Object.fromEntries(
      definition.variables.map((variable) => [variable.name, variables[variable.name] ?? variable.example]),
    );
    const view = await this.get(key);
    return view.locales
      .filter((entry) => !locale || entry.locale === locale)
      .map((entry) => ({ locale: entry.locale, ...renderTemplate(entry, values) }));
  }

  /** The rendered mail for a notification. */
  async render(key: TemplateKey, locale: MailLocaleCode, variables: Record<string, string>): Promise<RenderedMail> {
    const row = await this.rows.findOneBy({ key, locale });
    const content: TemplateContent = row ? { subject: row.subject, html: row.html, text: row.text } : TEMPLATES[key].defaults[locale];
    return renderTemplate(content, variables);
  }

  private view(definition: TemplateDefinition, overrides: MailTemplateEntity[]): TemplateView {
    return {
      definition,
      locales: MAIL_LOCALES.map((locale) => {
        const row = overrides.find((entry) => entry.key === definition.key && entry.locale === locale);
        return row
          ? { locale, subject: row.subject, html: row.html, text: row.text, isDefault: false, updatedAt: row.updatedAt }
          : { locale, ...definition.defaults[locale], isDefault: true, updatedAt: null };
      }),
    };
  }
}
