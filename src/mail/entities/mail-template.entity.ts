import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { MailLocaleCode } from './mail-settings.entity';

/** An admin's version of a template in one locale. Without a row the built-in default applies. */
@Entity('mail_templates')
export class MailTemplateEntity {
  @PrimaryColumn({ type: 'varchar', length: 40 }) key: string;
  @PrimaryColumn({ type: 'varchar', length: 2 }) locale: MailLocaleCode;
  @Column({ type: 'varchar', length: 200 }) subject: string;
  /** Stored sanitized. */
  @Column({ type: 'text' }) html: string;
  /** null: the text part is generated from the HTML. */
  @Column({ type: 'text', nullable: true }) text: string | null;
  @Column({ type: 'uuid', nullable: true }) updatedBy: string | null;
  @Column({ type: 'timestamptz' }) updatedAt: Date;
}
