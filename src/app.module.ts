import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { LoggerModule } from 'nestjs-pino';
import { ArContentModule } from './ar/ar-content.module';
import { ArCoreModule } from './ar/ar-core.module';
import { AuthModule } from './auth/auth.module';
import { BackupModule } from './backup/backup.module';
import { JwtAuthGuard } from './auth/jwt-auth.guard';
import { RolesGuard } from './auth/roles.guard';
import { createValidationPipe } from './common/validation';
import type { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { JobsModule } from './jobs/jobs.module';
import { MailModule } from './mail/mail.module';
import { Clock } from './security/clock';
import { GlobalExceptionFilter } from './security/exception.filter';
import { ReadinessModule } from './security/readiness/readiness.module';
import { buildLoggerParams } from './security/logging';
import { SecurityModule } from './security/security.module';
import { ShutdownService } from './security/shutdown.service';
import { StorageModule } from './storage/storage.module';
import { CompaniesModule } from './companies/companies.module';
import { ClientRateLimitGuard, UserRateLimitGuard } from './security/throttling/rate-limit.guards';

export interface AppModuleOptions {
  logStream?: NodeJS.WritableStream;
  clock?: Clock;
}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, options: AppModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(buildLoggerParams(config, options.logStream)),
        EventEmitterModule.forRoot({ wildcard: false, ignoreErrors: true }),
        DatabaseModule.forRoot(),
        SecurityModule.forRoot(options.clock ?? new Clock()),
        AuthModule,
        StorageModule,
        CompaniesModule,
        JobsModule,
        MailModule,
        ArCoreModule,
        ArContentModule,
        BackupModule,
        HealthModule,
        ReadinessModule,
      ],
      providers: [
        ShutdownService,
        // Order matters: client limits, then authentication, roles, then per-user limits.
        { provide: APP_GUARD, useExisting: ClientRateLimitGuard },
        { provide: APP_GUARD, useExisting: JwtAuthGuard },
        { provide: APP_GUARD, useExisting: RolesGuard },
        { provide: APP_GUARD, useExisting: UserRateLimitGuard },
        { provide: APP_FILTER, useClass: GlobalExceptionFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
      ],
    };
  }
}
