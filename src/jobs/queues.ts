/**
 * Every pg-boss queue of the application, in one place. The module that owns the work registers the worker
 * (`JobsService.work`); any module may send to a queue.
 */
export const QUEUES = {
  /** One outbox row to deliver: `{ outboxId }`. Owned by MailModule. */
  mailDelivery: 'mail-delivery',
  /** Cron (once per cluster): re-queues due or stuck outbox rows. Owned by MailModule. */
  mailSweep: 'mail-sweep',
  /** One requested backup to run: `{ backupId }`. Owned by BackupModule. */
  backupRun: 'backup-run',
  /** Cron BACKUP_CRON (once per cluster): queues a full backup. Owned by BackupModule. */
  backupScheduled: 'backup-scheduled',
  /** One order to process (target, preview, poster, QR): `{ orderId }`. Owned by ArContentModule. */
  arOrderProcess: 'ar-order-process',
  /** Cron (once per cluster): fails orders stuck in `processing` without a live job. Owned by ArContentModule. */
  arOrderSweep: 'ar-order-sweep',
  /** Cron hourly (once per cluster): orphaned stored objects, upload temp files, expired quota reservations. Owned by ArContentModule. */
  arStorageSweep: 'ar-storage-sweep',
  /** Cron every minute (once per cluster): video schedules and rotation. Owned by ArContentModule. */
  arVideoSchedule: 'ar-video-schedule',
  /** Cron (once per cluster): subscription reminders and expiry events. Owned by ArContentModule. */
  arPortraitLifecycle: 'ar-portrait-lifecycle',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export const ALL_QUEUES: QueueName[] = Object.values(QUEUES);

export interface MailDeliveryJob {
  outboxId: string;
}

export interface ArOrderProcessJob {
  orderId: string;
}
