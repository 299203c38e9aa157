import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@app/config/app-config';
import { JobsService } from '@app/jobs/jobs.service';
import { QUEUES, type MailDeliveryJob } from '@app/jobs/queues';
import type { MailOutboxEntity } from './entities/mail-outbox.entity';
import { MailOutboxService } from './mail-outbox.service';
import { MailSettingsService } from './mail-settings.service';
import { describeSmtpError, MailTransport } from './mail-transport';
import { SmtpHostGuard } from './smtp-host-guard';

export type DeliveryOutcome = 'sent' | 'retry' | 'failed' | 'skipped';

/**
 * The delivery step of one outbox row: claim it atomically, send it (SMTP, or an `.eml` file in development
 * without SMTP), then record the result. Retries are scheduled by the outbox with exponential backoff from
 * the injectable Clock; pg-boss only carries the "look at row X" jobs.
 */
@Injectable()
export class MailDeliveryService implements OnModuleInit {
  private readonly logger = new Logger('MailDelivery');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly jobs: JobsService,
    private readonly outbox: MailOutboxService,
    private readonly settings: MailSettingsService,
    private readonly transport: MailTransport,
    private readonly hostGuard: SmtpHostGuard,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.jobs.work<MailDeliveryJob>(
      QUEUES.mailDelivery,
      async (data) => {
        await this.deliver(data.outboxId);
      },
      { concurrency: 2, retryLimit: 2, retryBackoff: true, expireInSeconds: 120 },
    );
    await this.jobs.work(
      QUEUES.mailSweep,
      async () => {
        await this.outbox.sweep();
      },
      { concurrency: 1, retryLimit: 0 },
    );
    await this.jobs.schedule(QUEUES.mailSweep, '* * * * *');
  }

  async deliver(outboxId: string): Promise<DeliveryOutcome> {
    const row = await this.outbox.claim(outboxId);
    if (!row) return 'skipped';
    const { account, reason } = await this.settings.account();
    if (!account) {
      if (this.config.app.env === 'development') return this.writeDevelopmentCopy(row);
      await this.outbox.markFailedAttempt(row, reason ?? 'SMTP not configured', false);
      this.logger.warn({ outboxId: row.id, reason }, 'mail not sent');
      return 'failed';
    }
    const secrets = [account.password, account.settings.username];
    try {
      const target = await this.hostGuard.resolve(account.settings.host);
      const sent = await this.transport.sendSmtp(account, target, {
        id: row.id,
        to: row.to,
        subject: row.subject,
        html: row.html,
        text: row.text,
      });
      await this.outbox.markSent(row.id, sent.messageId);
      this.logger.log({ outboxId: row.id, templateKey: row.templateKey, attempts: row.attempts }, 'mail sent');
      return 'sent';
    } catch (error) {
      const message = describeSmtpError(error, secrets);
      const { retryInMs } = await this.outbox.markFailedAttempt(row, message);
      this.logger.warn({ outboxId: row.id, attempts: row.attempts, retryInMs, reason: message }, 'mail delivery attempt failed');
      if (retryInMs === null) return 'failed';
      await this.outbox.trigger(row.id, Math.ceil(retryInMs / 1000), `${row.id}:attempt:${row.attempts + 1}`);
      return 'retry';
    }
  }

  private async writeDevelopmentCopy(row: MailOutboxEntity): Promise<DeliveryOutcome> {
    const settings = await this.settings.get();
    const from = settings?.fromAddress ?? 'vertex-ar@localhost';
    try {
      const { file, messageId } = await this.transport.writeEml(
        { id: row.id, to: row.to, subject: row.subject, html: row.html, text: row.text },
        from,
      );
      await this.outbox.markSent(row.id, messageId);
      this.logger.log({ outboxId: row.id, file }, 'SMTP not configured: mail written as .eml (development)');
      return 'sent';
    } catch (error) {
      await this.outbox.markFailedAttempt(row, describeSmtpError(error, []));
      return 'retry';
    }
  }
}
