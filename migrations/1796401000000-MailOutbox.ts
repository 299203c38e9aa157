import type { MigrationInterface, QueryRunner } from 'typeorm';

/** SMTP settings (one row), template overrides (defaults live in code) and the mail outbox. */
export class MailOutbox1796401000000 implements MigrationInterface {
  name = 'MailOutbox1796401000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE mail_settings (
        id uuid PRIMARY KEY,
        singleton boolean NOT NULL DEFAULT true UNIQUE CHECK (singleton),
        host varchar(253) NOT NULL,
        port integer NOT NULL CHECK (port BETWEEN 1 AND 65535),
        security varchar(8) NOT NULL CHECK (security IN ('tls', 'starttls', 'none')),
        username varchar(254),
        password_encrypted text CHECK (password_encrypted IS NULL OR password_encrypted LIKE 'v1.%'),
        from_address varchar(254) NOT NULL,
        from_name varchar(200),
        default_locale varchar(2) NOT NULL DEFAULT 'en' CHECK (default_locale IN ('en', 'ru')),
        enabled boolean NOT NULL DEFAULT true,
        updated_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE mail_templates (
        key varchar(40) NOT NULL,
        locale varchar(2) NOT NULL CHECK (locale IN ('en', 'ru')),
        subject varchar(200) NOT NULL,
        html text NOT NULL,
        text text,
        updated_by uuid,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (key, locale)
      )`);
    await queryRunner.query(`
      CREATE TABLE mail_outbox (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "to" varchar(254) NOT NULL,
        subject varchar(300) NOT NULL,
        html text NOT NULL,
        text text NOT NULL,
        template_key varchar(40),
        status varchar(8) NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        max_attempts integer NOT NULL DEFAULT 5 CHECK (max_attempts BETWEEN 1 AND 10),
        last_error varchar(500),
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        claimed_at timestamptz,
        dedupe_key varchar(200) UNIQUE,
        message_id varchar(300),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX mail_outbox_status_created_idx ON mail_outbox (status, created_at DESC)`);
    await queryRunner.query(`CREATE INDEX mail_outbox_due_idx ON mail_outbox (next_attempt_at) WHERE status IN ('queued', 'sending')`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE mail_outbox`);
    await queryRunner.query(`DROP TABLE mail_templates`);
    await queryRunner.query(`DROP TABLE mail_settings`);
  }
}
