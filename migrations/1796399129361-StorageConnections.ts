import type { MigrationInterface, QueryRunner } from 'typeorm';

export class StorageConnections1796399129361 implements MigrationInterface {
  name = 'StorageConnections1796399129361';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE storage_connections (
        id uuid PRIMARY KEY,
        name varchar(100) NOT NULL,
        type varchar(16) NOT NULL CHECK (type IN ('s3', 'yandex_disk')),
        config jsonb NOT NULL CHECK (jsonb_typeof(config) = 'object'),
        secrets jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(secrets) = 'object'),
        is_active boolean NOT NULL DEFAULT true,
        last_test_ok boolean,
        last_test_message varchar(500),
        last_test_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX storage_connections_name_lower_key ON storage_connections (lower(name))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE storage_connections`);
  }
}
