import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Backups1796403500000 implements MigrationInterface {
  name = 'Backups1796403500000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE backups (
        id uuid PRIMARY KEY,
        kind varchar(16) NOT NULL CHECK (kind IN ('full', 'database', 'storage')),
        status varchar(16) NOT NULL CHECK (status IN ('queued', 'running', 'complete', 'failed')),
        file_name varchar(64),
        size bigint,
        sha256 char(64),
        summary jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(summary) = 'object'),
        verified_at timestamptz,
        verify_result jsonb,
        error varchar(500),
        trigger varchar(16) NOT NULL DEFAULT 'api' CHECK (trigger IN ('api', 'cli', 'schedule')),
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX backups_status_created_at_idx ON backups (status, created_at DESC)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE backups`);
  }
}
