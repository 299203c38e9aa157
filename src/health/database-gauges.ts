import { Logger } from '@nestjs/common';
import { Gauge, type Registry } from 'prom-client';
import type { DataSource } from 'typeorm';

const logger = new Logger('Metrics');

async function rows<T>(dataSource: DataSource, sql: string): Promise<T[] | null> {
  try {
    return (await dataSource.query(sql)) as T[];
  } catch (error) {
    logger.warn(`metrics query failed: ${error instanceof Error ? error.message : String(error)}`);
    return null;
  }
}

/**
 * Gauges read from PostgreSQL at scrape time, so every instance reports the cluster-wide value: the mail
 * outbox by status, pg-boss jobs by queue and state (failures included) and the age of the oldest waiting job,
 * and the age of the newest complete backup (absent until the backups table exists and holds one).
 */
export function registerDatabaseGauges(registry: Registry, dataSource: DataSource): void {
  new Gauge({
    name: 'mail_outbox_depth',
    help: 'Mails in the outbox, by status (queued, sending, sent, failed).',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const result = await rows<{ status: string; n: number }>(
        dataSource,
        `SELECT status, count(*)::int AS n FROM mail_outbox GROUP BY status`,
      );
      for (const status of ['queued', 'sending', 'sent', 'failed']) this.set({ status }, 0);
      for (const row of result ?? []) this.set({ status: row.status }, row.n);
    },
  });

  new Gauge({
    name: 'jobs',
    help: 'Background jobs by queue and state (created, retry, active, completed, cancelled, failed).',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const result = await rows<{ name: string; state: string; n: number }>(
        dataSource,
        `SELECT name, state::text AS state, count(*)::int AS n FROM pgboss.job GROUP BY name, state`,
      );
      for (const row of result ?? []) this.set({ queue: row.name, state: row.state }, row.n);
    },
  });

  new Gauge({
    name: 'jobs_oldest_waiting_seconds',
    help: 'Age of the oldest job still waiting to start, by queue (queue latency).',
    labelNames: ['queue'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const result = await rows<{ name: string; age: number }>(
        dataSource,
        `SELECT name, extract(epoch FROM now() - min(created_on))::float AS age
           FROM pgboss.job WHERE state IN ('created', 'retry') AND start_after <= now() GROUP BY name`,
      );
      for (const row of result ?? []) this.set({ queue: row.name }, row.age);
    },
  });

  new Gauge({
    name: 'backup_newest_age_seconds',
    help: 'Seconds since the newest complete backup finished (absent when there is none).',
    registers: [registry],
    async collect() {
      this.reset();
      const result = await rows<{ age: number | null }>(
        dataSource,
        `SELECT CASE WHEN to_regclass('public.backups') IS NULL THEN NULL ELSE
           (SELECT extract(epoch FROM now() - max(completed_at))::float FROM backups WHERE status = 'complete') END AS age`,
      );
      const age = result?.[0]?.age;
      if (typeof age === 'number') this.set(age);
    },
  });
}
