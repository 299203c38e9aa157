import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@app/config/app-config';
import { JobsService } from '@app/jobs/jobs.service';
import { QUEUES } from '@app/jobs/queues';
import { BackupService } from './backup.service';
import type { BackupEntity, BackupKind } from './backup.entity';

interface BackupRunJob {
  backupId: string;
}

/** A backup may take long; pg-boss must not expire it as stuck before this. */
const RUN_EXPIRE_SECONDS = 6 * 60 * 60;

/**
 * Runs backups through the job queue (pg-boss): a request survives the HTTP request and a restart of the
 * instance that took it, and runs on a worker (ROLE=worker|all), one at a time (worker concurrency 1 plus the
 * service's cluster-wide advisory lock). BACKUP_CRON is a pg-boss schedule, so it fires once per cluster.
 * No retries: a failed run is reported (`backup.failed`) and the next schedule tries again.
 */
@Injectable()
export class BackupRunner implements OnModuleInit {
  private readonly logger = new Logger('BackupRunner');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly jobs: JobsService,
    private readonly backups: BackupService,
  ) {}

  async onModuleInit(): Promise<void> {
    const options = { concurrency: 1, retryLimit: 0, expireInSeconds: RUN_EXPIRE_SECONDS };
    await this.jobs.work<BackupRunJob>(
      QUEUES.backupRun,
      async ({ backupId }) => {
        await this.backups.execute(backupId);
      },
      options,
    );
    await this.jobs.work<object>(
      QUEUES.backupScheduled,
      async () => {
        const row = await this.backups.request('full', 'schedule', null);
        const done = await this.backups.execute(row.id);
        this.logger.log(`scheduled backup ${done.id}: ${done.status}`);
      },
      options,
    );
    await this.jobs.schedule(QUEUES.backupScheduled, this.config.backup.cron);
  }

  /** Queues a backup and returns its (queued) row at once. */
  async enqueue(kind: BackupKind, actorId: string | null): Promise<BackupEntity> {
    const row = await this.backups.request(kind, 'api', actorId);
    await this.jobs.send<BackupRunJob>(
      QUEUES.backupRun,
      { backupId: row.id },
      { idempotencyKey: row.id, retryLimit: 0, expireInSeconds: RUN_EXPIRE_SECONDS },
    );
    return row;
  }
}
