import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1796342400000 implements MigrationInterface {
  name = 'InitialSchema1796342400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE companies (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name varchar(255) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX companies_name_lower_key ON companies (lower(name))`);

    await queryRunner.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email varchar(254) NOT NULL,
        full_name varchar(200) NOT NULL,
        role varchar(16) NOT NULL CHECK (role IN ('admin', 'manager', 'viewer')),
        company_id uuid REFERENCES companies (id) ON DELETE RESTRICT,
        password_hash text NOT NULL,
        is_active boolean NOT NULL DEFAULT true,
        failed_login_count integer NOT NULL DEFAULT 0 CHECK (failed_login_count >= 0),
        locked_until timestamptz,
        last_login_at timestamptz,
        password_changed_at timestamptz NOT NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT users_email_lowercase CHECK (email = lower(email)),
        CONSTRAINT users_company_required CHECK (role = 'admin' OR company_id IS NOT NULL)
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX users_email_key ON users (email)`);
    await queryRunner.query(`CREATE INDEX users_company_id_idx ON users (company_id)`);

    await queryRunner.query(`
      CREATE TABLE auth_sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        last_used_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz,
        revoked_reason varchar(32),
        ip varchar(64),
        user_agent varchar(512)
      )`);
    await queryRunner.query(`CREATE INDEX auth_sessions_user_id_idx ON auth_sessions (user_id) WHERE revoked_at IS NULL`);

    await queryRunner.query(`
      CREATE TABLE auth_refresh_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        session_id uuid NOT NULL REFERENCES auth_sessions (id) ON DELETE CASCADE,
        token_hash char(64) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX auth_refresh_tokens_hash_key ON auth_refresh_tokens (token_hash)`);
    await queryRunner.query(`CREATE INDEX auth_refresh_tokens_session_idx ON auth_refresh_tokens (session_id)`);

    await queryRunner.query(`
      CREATE TABLE audit_events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        occurred_at timestamptz NOT NULL DEFAULT now(),
        action varchar(64) NOT NULL,
        outcome varchar(16) NOT NULL CHECK (outcome IN ('success', 'failure')),
        actor_user_id uuid,
        actor_email varchar(254),
        target_type varchar(64),
        target_id varchar(128),
        ip varchar(64),
        request_id varchar(64),
        details jsonb NOT NULL DEFAULT '{}'::jsonb
      )`);
    await queryRunner.query(`CREATE INDEX audit_events_occurred_at_idx ON audit_events (occurred_at DESC)`);
    await queryRunner.query(`CREATE INDEX audit_events_action_idx ON audit_events (action, occurred_at DESC)`);
    await queryRunner.query(`CREATE INDEX audit_events_actor_idx ON audit_events (actor_user_id, occurred_at DESC)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE audit_events`);
    await queryRunner.query(`DROP TABLE auth_refresh_tokens`);
    await queryRunner.query(`DROP TABLE auth_sessions`);
    await queryRunner.query(`DROP TABLE users`);
    await queryRunner.query(`DROP TABLE companies`);
  }
}
