import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { currentMigration, runMigrationsLocked } from '@app/database/migrations';

export const CLI_SETTINGS = Symbol('CLI_SETTINGS');

export interface CliSettings {
  /** DATABASE_MIGRATIONS_RUN as configured; the CLI applies migrations itself so `migrate` can report them. */
  applyMigrations: boolean;
}

export interface MigrationStatus {
  current: string | null;
  pending: string[];
}

/** Migration state for the commands. */
@Injectable()
export class SchemaService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(CLI_SETTINGS) private readonly settings: CliSettings,
  ) {}

  /** Applies pending migrations; returns their names. */
  migrate(): Promise<string[]> {
    return runMigrationsLocked(this.dataSource);
  }

  /** What commands other than `migrate` call first: migrate when DATABASE_MIGRATIONS_RUN (the default) says so. */
  async ensureMigrated(): Promise<void> {
    if (this.settings.applyMigrations) await this.migrate();
  }

  async status(): Promise<MigrationStatus> {
    const current = await currentMigration(this.dataSource);
    const applied = current === null ? new Set<string>() : new Set(await this.appliedNames());
    const pending = this.dataSource.migrations
      .map((migration) => migration.name ?? migration.constructor.name)
      .filter((name) => !applied.has(name));
    return { current, pending };
  }

  private async appliedNames(): Promise<string[]> {
    const rows = (await this.dataSource.query('SELECT name FROM schema_migrations')) as Array<{ name: string }>;
    return rows.map((row) => row.name);
  }
}
