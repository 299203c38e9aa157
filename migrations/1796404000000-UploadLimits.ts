import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-company storage quota (SECURITY-CHECKLIST UP-08): bytes reserved by uploads in flight, so two racing
 * uploads cannot both pass the quota check. A row lives for one request (deleted when the upload's rows are
 * committed or it fails); `expires_at` lets a crashed process's rows lapse and the storage sweep delete them.
 * The index on videos lets the quota sum read a company's video sizes without a scan.
 */
export class UploadLimits1796404000000 implements MigrationInterface {
  name = 'UploadLimits1796404000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE company_storage_reservations (
        id uuid PRIMARY KEY,
        company_id uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
        bytes bigint NOT NULL CHECK (bytes >= 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX company_storage_reservations_company_idx ON company_storage_reservations (company_id, expires_at)`,
    );
    await queryRunner.query(`CREATE INDEX videos_company_size_idx ON videos (company_id) INCLUDE (size)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX videos_company_size_idx`);
    await queryRunner.query(`DROP TABLE company_storage_reservations`);
  }
}
