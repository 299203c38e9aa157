import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { JobsModule } from '@app/jobs/jobs.module';
import { StorageConnectionEntity } from '@app/storage/entities/storage-connection.entity';
import { StorageModule } from '@app/storage/storage.module';
import { BackupQueries } from './backup-queries.service';
import { BackupRunner } from './backup-runner.service';
import { BackupService } from './backup.service';
import { BackupEntity } from './backup.entity';
import { BackupsController } from './backups.controller';

/** Create / verify / restore / rotate backups, without HTTP or the job queue (the CLI imports this one). */
@Module({
  imports: [TypeOrmModule.forFeature([BackupEntity, StorageConnectionEntity]), StorageModule],
  providers: [BackupService, BackupQueries],
  exports: [BackupService, BackupQueries],
})
export class BackupCoreModule {}

/** The application's part: admin API, job-queue runner and the BACKUP_CRON schedule. */
@Module({
  imports: [BackupCoreModule, JobsModule],
  controllers: [BackupsController],
  providers: [BackupRunner],
})
export class BackupModule {}
