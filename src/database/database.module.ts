import { DynamicModule, Inject, Injectable, Logger, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '@app/config/app-config';
import { resolveDatabase, type ResolvedDatabase } from './database-server';
import { runMigrationsLocked } from './migrations';
import { buildTypeOrmOptions } from './typeorm.options';

export const RESOLVED_DATABASE = Symbol('RESOLVED_DATABASE');

@Injectable()
class EmbeddedServerLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(RESOLVED_DATABASE) private readonly database: ResolvedDatabase,
    private readonly moduleRef: ModuleRef,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    if (!this.database.embedded) return;
    // Nest shuts this module down before TypeORM's: end the pool first so the server does not cut live connections.
    let dataSource: DataSource | undefined;
    try {
      dataSource = this.moduleRef.get(DataSource, { strict: false });
    } catch {
      dataSource = undefined;
    }
    if (dataSource?.isInitialized) await dataSource.destroy().catch(() => undefined);
    await this.database.embedded.stop();
  }
}

@Module({
  providers: [
    {
      provide: RESOLVED_DATABASE,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => {
        const logger = new Logger('EmbeddedPostgres');
        return resolveDatabase(config, (message) => logger.log(message));
      },
    },
    EmbeddedServerLifecycle,
  ],
  exports: [RESOLVED_DATABASE],
})
export class DatabaseServerModule {}

/** Applies pending migrations on start (when enabled), one instance at a time. */
@Injectable()
class MigrationsOnStart implements OnModuleInit {
  private readonly logger = new Logger('Migrations');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly dataSource: DataSource,
  ) {}

  async onModuleInit(): Promise<void> {
    if (!this.config.database.migrationsRun) return;
    const applied = await runMigrationsLocked(this.dataSource);
    if (applied.length > 0) this.logger.log(`applied migrations: ${applied.join(', ')}`);
  }
}

@Module({})
export class DatabaseModule {
  static forRoot(): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          imports: [DatabaseServerModule],
          inject: [APP_CONFIG, RESOLVED_DATABASE],
          useFactory: (config: AppConfig, database: ResolvedDatabase) => ({
            ...buildTypeOrmOptions(config, database.url),
            retryAttempts: config.database.connectRetries,
            retryDelay: config.database.connectRetryDelayMs,
            verboseRetryLog: false,
          }),
        }),
      ],
      providers: [MigrationsOnStart],
    };
  }
}
