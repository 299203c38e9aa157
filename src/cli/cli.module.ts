import { DynamicModule, Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { AdminBootstrapService } from '@app/auth/admin-bootstrap.service';
import { BackupCoreModule } from '@app/backup/backup.module';
import { PasswordService } from '@app/auth/password.service';
import type { AppConfig } from '@app/config/app-config';
import { ConfigModule } from '@app/config/config.module';
import { DatabaseModule } from '@app/database/database.module';
import { Clock } from '@app/security/clock';
import { ReadinessModule } from '@app/security/readiness/readiness.module';
import { SecurityModule } from '@app/security/security.module';
import { BACKUP_COMMANDS } from './backup.command';
import { CliAdminService } from './cli-admin.service';
import { CreateAdminCommand } from './create-admin.command';
import { MigrateCommand } from './migrate.command';
import { SecretsRotateCommand } from './secrets-rotate.command';
import { SecurityCheckCommand } from './security-check.command';
import { CLI_SETTINGS, SchemaService, type CliSettings } from './schema.service';

/**
 * The application without HTTP, for `src/cli.ts`. Migrations do not run on start here: `migrate` applies and
 * reports them, the other commands apply them first when DATABASE_MIGRATIONS_RUN (default true) allows.
 * AuthModule is not imported: only `createAdmin` is needed, without the development first-start admin.
 */
@Module({})
export class CliModule {
  static forRoot(config: AppConfig): DynamicModule {
    const settings: CliSettings = { applyMigrations: config.database.migrationsRun };
    const cliConfig: AppConfig = { ...config, database: { ...config.database, migrationsRun: false } };
    return {
      module: CliModule,
      imports: [
        ConfigModule.forRoot(cliConfig),
        EventEmitterModule.forRoot({ wildcard: false, ignoreErrors: true }),
        DatabaseModule.forRoot(),
        SecurityModule.forRoot(new Clock()),
        ReadinessModule,
        BackupCoreModule,
      ],
      providers: [
        { provide: CLI_SETTINGS, useValue: settings },
        PasswordService,
        { provide: AdminBootstrapService, useClass: CliAdminService },
        SchemaService,
        MigrateCommand,
        CreateAdminCommand,
        SecurityCheckCommand,
        SecretsRotateCommand,
        ...BACKUP_COMMANDS,
      ],
    };
  }
}
