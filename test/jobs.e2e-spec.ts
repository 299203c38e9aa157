import { Client } from 'pg';
import { JobsService } from '../src/jobs/jobs.service';
import { QUEUES } from '../src/jobs/queues';
import { createTestApp, type TestApp } from './support/test-app';

async function bossConnections(url: string): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'vertex-ar-jobs-%'`,
    );
    return result.rows[0].n;
  } finally {
    await client.end();
  }
}

describe('jobs (pg-boss)', () => {
  it('installs its schema, runs workers for ROLE=all and stops with the app', async () => {
    const t: TestApp = await createTestApp();
    let closed = false;
    try {
      const [schema] = (await t.db.query(
        `SELECT count(*)::int AS n FROM information_schema.schemata WHERE schema_name = 'pgboss'`,
      )) as Array<{ n: number }>;
      expect(schema.n).toBe(1);
      const jobs = t.app.get(JobsService);
      expect(jobs.runsWorkers).toBe(true);
      expect(jobs.isRunning).toBe(true);
      // Idempotency key: the second send of the same logical job is a no-op.
      const first = await jobs.send(QUEUES.mailSweep, {}, { idempotencyKey: 'sweep-test', startAfterSeconds: 3600 });
      const second = await jobs.send(QUEUES.mailSweep, {}, { idempotencyKey: 'sweep-test', startAfterSeconds: 3600 });
      expect(first).toMatch(/^[0-9a-f-]{36}$/);
      expect(second).toBeNull();
      const schedules = (await t.db.query(`SELECT name, cron FROM pgboss.schedule`)) as Array<{ name: string; cron: string }>;
      expect(schedules).toContainEqual({ name: QUEUES.mailSweep, cron: '* * * * *' });
      // One schedule per queue, each a known queue: cron jobs fire once per cluster, not once per instance.
      expect(new Set(schedules.map((schedule) => schedule.name)).size).toBe(schedules.length);
      for (const schedule of schedules) expect(Object.values(QUEUES)).toContain(schedule.name);
      expect(await bossConnections(t.databaseUrl)).toBeGreaterThan(0);
      await t.close();
      closed = true;
      expect(jobs.isRunning).toBe(false);
    } finally {
      if (!closed) await t.close();
    }
  });

  it('ROLE=api sends jobs but runs no workers', async () => {
    const t = await createTestApp({ env: { ROLE: 'api' } });
    try {
      const jobs = t.app.get(JobsService);
      expect(jobs.runsWorkers).toBe(false);
      const id = await jobs.send(QUEUES.mailDelivery, { outboxId: '0b8f4a52-2c6e-4a8e-9d4f-0e9b8f2d1c3a' });
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      const job = await jobs.getJob(QUEUES.mailDelivery, id!);
      expect(job?.state).toBe('created');
    } finally {
      await t.close();
    }
  });
});
