import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UserEntity } from '@app/auth/entities/user.entity';
import { JobsModule } from '@app/jobs/jobs.module';
import { MailOutboxEntity } from './entities/mail-outbox.entity';
import { MailSettingsEntity } from './entities/mail-settings.entity';
import { MailTemplateEntity } from './entities/mail-template.entity';
import { NotificationListeners } from './listeners/notification.listeners';
import { MailDeliveryService } from './mail-delivery.service';
import { MailOutboxController } from './mail-outbox.controller';
import { MailOutboxService } from './mail-outbox.service';
import { MailSettingsController } from './mail-settings.controller';
import { MailSettingsService } from './mail-settings.service';
import { MailTemplatesController } from './mail-templates.controller';
import { MailTemplatesService } from './mail-templates.service';
import { MailTestService } from './mail-test.service';
import { MailTransport } from './mail-transport';
import { NotificationsService } from './notifications.service';
import { SmtpHostGuard } from './smtp-host-guard';

/** SMTP settings (encrypted), templates, the outbox and its delivery worker, notification listeners. */
@Module({
  imports: [TypeOrmModule.forFeature([MailSettingsEntity, MailTemplateEntity, MailOutboxEntity, UserEntity]), JobsModule],
  controllers: [MailSettingsController, MailTemplatesController, MailOutboxController],
  providers: [
    SmtpHostGuard,
    MailTransport,
    MailSettingsService,
    MailTemplatesService,
    MailOutboxService,
    MailDeliveryService,
    MailTestService,
    NotificationsService,
    NotificationListeners,
  ],
  exports: [MailOutboxService],
})
export class MailModule {}
