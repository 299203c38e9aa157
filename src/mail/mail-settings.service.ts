import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { Principal } from '@app/common/auth.decorators';
import { AuditService } from '@app/security/audit/audit.service';
import { ApiException, ErrorCode } from '@app/security/errors';
import { SecretDecryptionError, SecretsService, type SecretContext } from '@app/security/secrets.service';
import type { UpdateMailSettingsDto } from './dto/mail-settings.dto';
import { MailSettingsEntity } from './entities/mail-settings.entity';
import { SmtpHostGuard } from './smtp-host-guard';

/** Settings plus the decrypted password, for the delivery step only. */
export interface SmtpAccount {
  settings: MailSettingsEntity;
  password: string | null;
}

export const passwordContext = (id: string): SecretContext => ({ table: 'mail_settings', id, field: 'password' });

/** The one SMTP account: validation (SSRF guard), encrypted password, audit. */
@Injectable()
export class MailSettingsService {
  private readonly logger = new Logger('MailSettings');

  constructor(
    @InjectRepository(MailSettingsEntity) private readonly rows: Repository<MailSettingsEntity>,
    private readonly secrets: SecretsService,
    private readonly hostGuard: SmtpHostGuard,
    private readonly audit: AuditService,
  ) {}

  async get(): Promise<MailSettingsEntity | null> {
    const [row] = await this.rows.find({ take: 1 });
    return row ?? null;
  }

  async update(actor: Principal, dto: UpdateMailSettingsDto): Promise<MailSettingsEntity> {
    const hostProblem = await this.hostGuard.problem(dto.host);
    if (hostProblem) {
      throw new ApiException(400, ErrorCode.ValidationFailed, 'Request validation failed', [{ field: 'host', message: hostProblem }]);
    }
    const existing = await this.get();
    const id = existing?.id ?? randomUUID();
    let passwordEncrypted = existing?.passwordEncrypted ?? null;
    if (dto.password === null) passwordEncrypted = null;
    else if (dto.password !== undefined) passwordEncrypted = this.secrets.encrypt(dto.password, passwordContext(id));
    const values = {
      host: dto.host.toLowerCase(),
      port: dto.port,
      security: dto.security,
      username: dto.username ?? null,
      passwordEncrypted,
      fromAddress: dto.fromAddress,
      fromName: dto.fromName ?? null,
      defaultLocale: dto.defaultLocale ?? existing?.defaultLocale ?? 'en',
      enabled: dto.enabled,
      updatedBy: actor.id,
    };
    if (existing) await this.rows.update({ id }, values);
    else await this.rows.insert({ id, ...values });
    await this.audit.record({
      action: 'mail.settings_updated',
      actor,
      target: { type: 'mail_settings', id },
      details: {
        host: values.host,
        port: values.port,
        security: values.security,
        enabled: values.enabled,
        passwordChanged: dto.password !== undefined,
      },
    });
    return await this.rows.findOneByOrFail({ id });
  }

  /**
   * The account for a delivery, or a reason it cannot be used. A password that does not decrypt fails closed:
   * logged (without the value) and nothing is sent.
   */
  async account(): Promise<{ account: SmtpAccount | null; reason: string | null }> {
    const settings = await this.get();
    if (!settings) return { account: null, reason: 'SMTP not configured' };
    if (!settings.enabled) return { account: null, reason: 'SMTP is disabled' };
    if (!settings.passwordEncrypted) return { account: { settings, password: null }, reason: null };
    try {
      return {
        account: { settings, password: this.secrets.decrypt(settings.passwordEncrypted, passwordContext(settings.id)) },
        reason: null,
      };
    } catch (error) {
      if (!(error instanceof SecretDecryptionError)) throw error;
      this.logger.error({ reason: error.message }, 'the stored SMTP password could not be decrypted; mail is not sent');
      return { account: null, reason: 'SMTP password could not be decrypted (re-enter it in the mail settings)' };
    }
  }
}
