import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditController } from './audit/audit.controller';
import { AuditEventEntity } from './audit/audit-event.entity';
import { AuditService } from './audit/audit.service';
import { Clock } from './clock';
import { SecretsRotationService } from './secrets-rotation.service';
import { SecretsService } from './secrets.service';
import { ThrottlingModule } from './throttling/throttling.module';

/** Cross-cutting security services. HTTP-level hardening is applied in `http-pipeline.ts` by `createApp`. */
@Global()
@Module({})
export class SecurityModule {
  static forRoot(clock: Clock): DynamicModule {
    return {
      module: SecurityModule,
      imports: [TypeOrmModule.forFeature([AuditEventEntity]), ThrottlingModule],
      controllers: [AuditController],
      providers: [{ provide: Clock, useValue: clock }, SecretsService, SecretsRotationService, AuditService],
      exports: [Clock, SecretsService, SecretsRotationService, AuditService, ThrottlingModule],
    };
  }
}
