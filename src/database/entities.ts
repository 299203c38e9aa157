import { AR_CONTENT_ENTITIES } from '@app/ar/content/entities';
import { RefreshTokenEntity } from '@app/auth/entities/refresh-token.entity';
import { SessionEntity } from '@app/auth/entities/session.entity';
import { UserEntity } from '@app/auth/entities/user.entity';
import { ClientEntity } from '@app/companies/entities/client.entity';
import { CompanyEntity } from '@app/companies/entities/company.entity';
import { MailOutboxEntity } from '@app/mail/entities/mail-outbox.entity';
import { MailSettingsEntity } from '@app/mail/entities/mail-settings.entity';
import { MailTemplateEntity } from '@app/mail/entities/mail-template.entity';
import { BackupEntity } from '@app/backup/backup.entity';
import { AuditEventEntity } from '@app/security/audit/audit-event.entity';
import { StorageConnectionEntity } from '@app/storage/entities/storage-connection.entity';

/** Every entity, listed explicitly (no globs). */
export const ENTITIES = [
  CompanyEntity,
  UserEntity,
  SessionEntity,
  RefreshTokenEntity,
  AuditEventEntity,
  StorageConnectionEntity,
  ClientEntity,
  MailSettingsEntity,
  MailTemplateEntity,
  MailOutboxEntity,
  ...AR_CONTENT_ENTITIES,
  BackupEntity,
];
