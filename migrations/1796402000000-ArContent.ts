import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * AR content: portraits (public slug, image, target, QR), their videos (one active per portrait, enforced by a
 * partial unique index), video history, orders (processing state), idempotency keys of order creation and
 * viewer events (deduplicated per portrait, session and type).
 */
export class ArContent1796402000000 implements MigrationInterface {
  name = 'ArContent1796402000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE portraits (
        id uuid PRIMARY KEY,
        company_id uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
        client_id uuid REFERENCES clients (id) ON DELETE SET NULL,
        slug varchar(64) NOT NULL UNIQUE CHECK (slug ~ '^[A-Za-z0-9_-]{22,64}$'),
        title varchar(200) NOT NULL DEFAULT '',
        subscription_ends_at timestamptz,
        image_key varchar(1024) NOT NULL,
        image_width integer NOT NULL,
        image_height integer NOT NULL,
        image_size bigint NOT NULL,
        preview_key varchar(1024),
        preview_etag varchar(100),
        target_key varchar(1024),
        target_etag varchar(100),
        qr_png_key varchar(1024),
        qr_svg_key varchar(1024),
        trackability jsonb,
        lifecycle_notices jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX portraits_company_created_idx ON portraits (company_id, created_at DESC)`);
    await queryRunner.query(`CREATE INDEX portraits_client_idx ON portraits (client_id)`);
    await queryRunner.query(`CREATE INDEX portraits_ends_idx ON portraits (subscription_ends_at) WHERE subscription_ends_at IS NOT NULL`);

    await queryRunner.query(`
      CREATE TABLE videos (
        id uuid PRIMARY KEY,
        portrait_id uuid NOT NULL REFERENCES portraits (id) ON DELETE CASCADE,
        company_id uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
        key varchar(1024) NOT NULL,
        size bigint NOT NULL,
        duration_seconds double precision NOT NULL,
        width integer NOT NULL,
        height integer NOT NULL,
        codec varchar(64) NOT NULL,
        container varchar(16) NOT NULL CHECK (container IN ('mp4', 'mov', 'webm')),
        poster_key varchar(1024),
        poster_etag varchar(100),
        poster_skipped_reason varchar(300),
        description varchar(2000),
        is_active boolean NOT NULL DEFAULT false,
        starts_at timestamptz,
        ends_at timestamptz,
        rotation varchar(16) NOT NULL DEFAULT 'none' CHECK (rotation IN ('none', 'sequential', 'cyclic')),
        sort_order integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT videos_schedule_order CHECK (starts_at IS NULL OR ends_at IS NULL OR starts_at < ends_at)
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX videos_one_active_per_portrait ON videos (portrait_id) WHERE is_active`);
    await queryRunner.query(`CREATE INDEX videos_portrait_idx ON videos (portrait_id, sort_order, created_at)`);

    await queryRunner.query(`
      CREATE TABLE video_history (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        video_id uuid REFERENCES videos (id) ON DELETE SET NULL,
        portrait_id uuid NOT NULL REFERENCES portraits (id) ON DELETE CASCADE,
        action varchar(32) NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        actor varchar(100) NOT NULL,
        details jsonb NOT NULL DEFAULT '{}'::jsonb
      )`);
    await queryRunner.query(`CREATE INDEX video_history_video_idx ON video_history (video_id, at)`);
    await queryRunner.query(`CREATE INDEX video_history_portrait_idx ON video_history (portrait_id, at)`);

    await queryRunner.query(`
      CREATE TABLE orders (
        id uuid PRIMARY KEY,
        company_id uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
        client_id uuid REFERENCES clients (id) ON DELETE SET NULL,
        portrait_id uuid NOT NULL REFERENCES portraits (id) ON DELETE CASCADE,
        video_id uuid REFERENCES videos (id) ON DELETE SET NULL,
        kind varchar(16) NOT NULL DEFAULT 'upload' CHECK (kind IN ('upload', 'recompile')),
        status varchar(16) NOT NULL DEFAULT 'processing' CHECK (status IN ('processing', 'ready', 'failed')),
        failure_reason varchar(500),
        attempts integer NOT NULL DEFAULT 0,
        job_id uuid,
        created_by uuid REFERENCES users (id) ON DELETE SET NULL,
        processing_started_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX orders_company_created_idx ON orders (company_id, created_at DESC)`);
    await queryRunner.query(`CREATE INDEX orders_processing_idx ON orders (updated_at) WHERE status = 'processing'`);

    await queryRunner.query(`
      CREATE TABLE idempotency_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        company_id uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        route varchar(200) NOT NULL,
        key uuid NOT NULL,
        request_hash char(64) NOT NULL,
        state varchar(16) NOT NULL DEFAULT 'in_progress' CHECK (state IN ('in_progress', 'done')),
        response_status integer,
        response_body jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT idempotency_keys_scope_key UNIQUE (company_id, user_id, route, key)
      )`);
    await queryRunner.query(`CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at)`);

    await queryRunner.query(`
      CREATE TABLE portrait_events (
        id bigserial PRIMARY KEY,
        portrait_id uuid NOT NULL REFERENCES portraits (id) ON DELETE CASCADE,
        company_id uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
        session_id varchar(64) NOT NULL,
        type varchar(16) NOT NULL CHECK (type IN ('view', 'play', 'complete', 'click')),
        platform varchar(32),
        app_version varchar(32),
        scan_time_ms integer,
        day date NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT portrait_events_dedupe UNIQUE (portrait_id, session_id, type)
      )`);
    await queryRunner.query(`CREATE INDEX portrait_events_company_day_idx ON portrait_events (company_id, day)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['portrait_events', 'idempotency_keys', 'orders', 'video_history', 'videos', 'portraits']) {
      await queryRunner.query(`DROP TABLE ${table}`);
    }
  }
}
