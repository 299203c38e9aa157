import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CompaniesAndClients1796400000000 implements MigrationInterface {
  name = 'CompaniesAndClients1796400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE companies
        ADD COLUMN email varchar(254),
        ADD COLUMN phone varchar(32),
        ADD COLUMN website varchar(2048),
        ADD COLUMN city varchar(120),
        ADD COLUMN description varchar(2000),
        ADD COLUMN social_links jsonb NOT NULL DEFAULT '{}'::jsonb,
        ADD COLUMN manager_name varchar(200),
        ADD COLUMN manager_phone varchar(32),
        ADD COLUMN manager_email varchar(254),
        ADD COLUMN storage_type varchar(16) NOT NULL DEFAULT 'local'
          CHECK (storage_type IN ('local', 's3', 'yandex_disk')),
        ADD COLUMN storage_connection_id uuid REFERENCES storage_connections (id) ON DELETE RESTRICT,
        ADD COLUMN storage_folder varchar(1024),
        ADD COLUMN is_default boolean NOT NULL DEFAULT false,
        ADD CONSTRAINT companies_storage_connection_required
          CHECK (storage_type = 'local' OR storage_connection_id IS NOT NULL),
        ADD CONSTRAINT companies_default_is_local CHECK (NOT is_default OR storage_type = 'local')`);
    await queryRunner.query(`CREATE UNIQUE INDEX companies_single_default ON companies (is_default) WHERE is_default`);
    await queryRunner.query(`CREATE INDEX companies_storage_connection_idx ON companies (storage_connection_id)`);
    await queryRunner.query(`
      INSERT INTO companies (name, is_default, storage_type)
      SELECT 'Default company', true, 'local'
      WHERE NOT EXISTS (SELECT 1 FROM companies WHERE is_default)
        AND NOT EXISTS (SELECT 1 FROM companies WHERE lower(name) = 'default company')`);

    await queryRunner.query(`
      CREATE TABLE clients (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        company_id uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
        name varchar(200) NOT NULL,
        phone varchar(32) NOT NULL,
        email varchar(254),
        notes varchar(2000),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT clients_email_lowercase CHECK (email = lower(email))
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX clients_company_phone_key ON clients (company_id, phone)`);
    await queryRunner.query(`CREATE UNIQUE INDEX clients_company_email_key ON clients (company_id, email) WHERE email IS NOT NULL`);
    await queryRunner.query(`CREATE INDEX clients_company_name_idx ON clients (company_id, lower(name))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE clients`);
    await queryRunner.query(`DELETE FROM companies WHERE is_default`);
    await queryRunner.query(`DROP INDEX companies_single_default`);
    await queryRunner.query(`DROP INDEX companies_storage_connection_idx`);
    await queryRunner.query(`
      ALTER TABLE companies
        DROP CONSTRAINT companies_storage_connection_required,
        DROP CONSTRAINT companies_default_is_local,
        DROP COLUMN email, DROP COLUMN phone, DROP COLUMN website, DROP COLUMN city, DROP COLUMN description,
        DROP COLUMN social_links, DROP COLUMN manager_name, DROP COLUMN manager_phone, DROP COLUMN manager_email,
        DROP COLUMN storage_type, DROP COLUMN storage_connection_id, DROP COLUMN storage_folder, DROP COLUMN is_default`);
  }
}
