import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import PgBoss from 'pg-boss';
import { APP_CONFIG, type AppConfig } from '@app/config/app-config';
import { RESOLVED_DATABASE } from '@app/database/database.module';
import type { ResolvedDatabase } from '@app/database/database-server';
import { applicationName } from '@app/database/typeorm.options';
import { MappedError, ErrorCode } from '@app/security/errors';
import { ALL_QUEUES, type QueueName } from './queues';

export const JOBS_SCHEMA = 'pgboss';

export interface SendJobOptions {
  /** Same key (per queue) → the job is created once; later sends return null while the job row is kept. */
  idempotencyKey?: string;
  /** pg-boss singleton key: with `singletonSeconds`, at most one job per key per time slot. */
  singletonKey?: string;
  singletonSeconds?: number;
  /** Delay before the job may run. */
  startAfterSeconds?: number;
  retryLimit?: number;
  retryDelaySeconds?: number;
  retryBackoff?: boolean;
  expireInSeconds?: number;
}

export interface WorkOptions {
  /** Parallel jobs of this queue in this process (one pg-boss worker loop each). */
  concurrency?: number;
  /** Retries pg-boss makes when the handler throws (queue default). */
  retryLimit?: number;
  retryDelaySeconds?: number;
  retryBackoff?: boolean;
  expireInSeconds?: number;
  pollingIntervalSeconds?: number;
}

export type JobHandler<T> = (data: T, job: { id: string; queue: QueueName }) => Promise<void>;

interface Registration {
  queue: QueueName;
  handler: JobHandler<never>;
  options: WorkOptions;
}

interface ScheduleRegistration {
  queue: QueueName;
  cron: string;
  data: object;
}

/**
 * pg-boss on the application's PostgreSQL (schema `pgboss`). Starts after every module is initialised, so
 * after the migrations; `ROLE=api` sends jobs but runs no workers and no cron clock; `worker` and `all` run
 * both. On shutdown workers stop fetching and in-flight jobs get the shutdown grace period to finish.
 */
@Injectable()
export class JobsService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Jobs');
  private boss: PgBoss | null = null;
  private started = false;
  private stopping = false;
  private readonly registrations: Registration[] = [];
  private readonly schedules: ScheduleRegistration[] = [];
  private readonly workerIds = new Map<QueueName, string[]>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(RESOLVED_DATABASE) private readonly database: ResolvedDatabase,
  ) {}

  /** True when this process runs job workers (ROLE=worker or all). */
  get runsWorkers(): boolean {
    return this.config.app.role !== 'api';
  }

  get isRunning(): boolean {
    return this.started && !this.stopping;
  }

  async onApplicationBootstrap(): Promise<void> {
    const boss = new PgBoss({
      connectionString: this.database.url,
      schema: JOBS_SCHEMA,
      application_name: applicationName('jobs'),
      max: 4,
      ssl: this.config.database.ssl ? { rejectUnauthorized: true } : undefined,
      migrate: true,
      supervise: this.runsWorkers,
      schedule: this.runsWorkers,
      retentionDays: 7,
      deleteAfterDays: 7,
    });
    boss.on('error', (error: Error) => this.logger.error({ err: { message: error.message } }, 'job queue error'));
    await boss.start();
    this.boss = boss;
    for (const queue of ALL_QUEUES) await boss.createQueue(queue);
    this.started = true;
    for (const registration of this.registrations) await this.startWorkers(registration);
    for (const entry of this.schedules) await boss.schedule(entry.queue, entry.cron, entry.data);
    this.logger.log(`job queue started (role ${this.config.app.role}, ${this.runsWorkers ? 'running workers' : 'send only'})`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (!this.boss || this.stopping) return;
    this.stopping = true;
    const boss = this.boss;
    await boss
      .stop({ graceful: true, wait: true, close: true, timeout: Math.max(1_000, this.config.app.shutdownGraceMs) })
      .catch((error: Error) => {
        this.logger.warn({ err: { message: error.message } }, 'job queue did not stop cleanly');
      });
    this.boss = null;
    this.started = false;
  }

  /** Queues a job. Returns its id, or null when an idempotency/singleton key made it a duplicate. */
  async send<T extends object>(queue: QueueName, data: T, options: SendJobOptions = {}): Promise<string | null> {
    const boss = this.requireBoss();
    const sendOptions: PgBoss.SendOptions = {
      ...(options.idempotencyKey ? { id: idempotentJobId(queue, options.idempotencyKey) } : {}),
      ...(options.singletonKey ? { singletonKey: options.singletonKey } : {}),
      ...(options.singletonSeconds ? { singletonSeconds: options.singletonSeconds } : {}),
      ...(options.startAfterSeconds ? { startAfter: Math.ceil(options.startAfterSeconds) } : {}),
      ...(options.retryLimit !== undefined ? { retryLimit: options.retryLimit } : {}),
      ...(options.retryDelaySeconds !== undefined ? { retryDelay: options.retryDelaySeconds } : {}),
      ...(options.retryBackoff !== undefined ? { retryBackoff: options.retryBackoff } : {}),
      ...(options.expireInSeconds !== undefined ? { expireInSeconds: options.expireInSeconds } : {}),
    };
    const id = await boss.send(queue, data, sendOptions);
    // Wake this process's idle workers of the queue instead of waiting for their next poll.
    if (id && !options.startAfterSeconds) for (const workerId of this.workerIds.get(queue) ?? []) boss.notifyWorker(workerId);
    return id;
  }

  /** A cron schedule (UTC) that fires once per cluster, whatever the number of instances. */
  async schedule(queue: QueueName, cron: string, data: object = {}): Promise<void> {
    if (this.started && this.boss) await this.boss.schedule(queue, cron, data);
    else this.schedules.push({ queue, cron, data });
  }

  /**
   * Registers the handler of a queue. Called by the module that owns the work (usually in `onModuleInit`);
   * the workers start with the queue, and only where ROLE runs workers. A handler that throws is retried by
   * pg-boss per `retryLimit` (with exponential backoff when `retryBackoff`).
   */
  async work<T>(queue: QueueName, handler: JobHandler<T>, options: WorkOptions = {}): Promise<void> {
    const registration: Registration = { queue, handler: handler as JobHandler<never>, options };
    this.registrations.push(registration);
    if (this.started) await this.startWorkers(registration);
  }

  /** The raw job, for status checks in tests and diagnostics. */
  async getJob(queue: QueueName, id: string): Promise<PgBoss.JobWithMetadata | null> {
    return this.requireBoss().getJobById(queue, id);
  }

  private async startWorkers({ queue, handler, options }: Registration): Promise<void> {
    const boss = this.requireBoss();
    const policy: PgBoss.Queue = {
      name: queue,
      ...(options.retryLimit !== undefined ? { retryLimit: options.retryLimit } : {}),
      ...(options.retryDelaySeconds !== undefined ? { retryDelay: options.retryDelaySeconds } : {}),
      ...(options.retryBackoff !== undefined ? { retryBackoff: options.retryBackoff } : {}),
      ...(options.expireInSeconds !== undefined ? { expireInSeconds: options.expireInSeconds } : {}),
    };
    await boss.updateQueue(queue, policy);
    if (!this.runsWorkers) return;
    const ids: string[] = [];
    for (let i = 0; i < Math.max(1, options.concurrency ?? 1); i += 1) {
      const id = await boss.work<object>(
        queue,
        { batchSize: 1, pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2 },
        async (jobs) => {
          for (const job of jobs) await (handler as JobHandler<object>)(job.data, { id: job.id, queue });
        },
      );
      ids.push(id);
    }
    this.workerIds.set(queue, [...(this.workerIds.get(queue) ?? []), ...ids]);
  }

  private requireBoss(): PgBoss {
    if (!this.boss || this.stopping) {
      throw new MappedError('job queue is not running', 503, ErrorCode.ServiceUnavailable, 'Service temporarily unavailable');
    }
    return this.boss;
  }
}

/** A UUID derived from queue + key, so the same logical job maps to the same pg-boss job id. */
export function idempotentJobId(queue: string, key: string): string {
  const hex = createHash('sha256').update(`${queue}\u0000${key}`).digest('hex');
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
