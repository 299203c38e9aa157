import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export const SMTP_SECURITY = ['tls', 'starttls', 'none'] as const;
export type SmtpSecurity = (typeof SMTP_SECURITY)[number];
export const MAIL_LOCALES = ['en', 'ru'] as const;
export type MailLocaleCode = (typeof MAIL_LOCALES)[number];

/**
 * The SMTP account (one row). `passwordEncrypted` is a `SecretsService` ciphertext (`v1.…`, AAD =
 * mail_settings/{id}/password); it never leaves the mail services.
 */
@Entity('mail_settings')
export class MailSettingsEntity {
  /** Generated before encrypting: the id is part of the password's AAD. */
  @PrimaryColumn('uuid') id: string;
  @Column({ type: 'varchar', length: 253 }) host: string;
  @Column({ type: 'integer' }) port: number;
  @Column({ type: 'varchar', length: 8 }) security: SmtpSecurity;
  @Column({ type: 'varchar', length: 254, nullable: true }) username: string | null;
  @Column({ type: 'text', nullable: true }) passwordEncrypted: string | null;
  @Column({ type: 'varchar', length: 254 }) fromAddress: string;
  @Column({ type: 'varchar', length: 200, nullable: true }) fromName: string | null;
  @Column({ type: 'varchar', length: 2, default: 'en' }) defaultLocale: MailLocaleCode;
  @Column({ type: 'boolean', default: true }) enabled: boolean;
  @Column({ type: 'uuid', nullable: true }) updatedBy: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
}
