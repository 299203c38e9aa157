import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { UserEntity } from '@app/auth/entities/user.entity';
import type { MailLocaleCode } from './entities/mail-settings.entity';
import { MailOutboxService } from './mail-outbox.service';
import { MailSettingsService } from './mail-settings.service';
import { MailTemplatesService } from './mail-templates.service';
import type { TemplateKey } from './template-catalog';

export interface Notification {
  template: TemplateKey;
  to: string;
  variables: Record<string, string>;
  /** Unique per event and recipient: the mail is written once, whatever the number of deliveries of the event. */
  dedupeKey: string;
  locale?: MailLocaleCode;
}

/** Renders a template into the outbox, once per dedupe key. */
@Injectable()
export class NotificationsService {
  private readonly logger = new Logger('Notifications');

  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly templates: MailTemplatesService,
    private readonly outbox: MailOutboxService,
    private readonly settings: MailSettingsService,
  ) {}

  async activeAdmins(): Promise<Array<{ id: string; email: string }>> {
    return this.users.find({ where: { role: 'admin', isActive: true }, select: { id: true, email: true }, order: { createdAt: 'ASC' } });
  }

  async notify(notification: Notification): Promise<string | null> {
    const locale = notification.locale ?? (await this.settings.get())?.defaultLocale ?? 'en';
    const rendered = await this.templates.render(notification.template, locale, notification.variables);
    const id = await this.outbox.enqueue({
      to: notification.to,
      ...rendered,
      templateKey: notification.template,
      dedupeKey: notification.dedupeKey.slice(0, 200),
    });
    if (!id)
      this.logger.log({ template: notification.template, dedupeKey: notification.dedupeKey }, 'notification already queued for this event');
    return id;
  }
}
