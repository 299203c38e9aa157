import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AR_EVENTS, type SubscriptionExpiredEvent, type SubscriptionExpiringEvent } from '@app/common/domain-events';
import { APP_CONFIG, type AppConfig } from '@app/config/app-config';
import { JobsService } from '@app/jobs/jobs.service';
import { QUEUES } from '@app/jobs/queues';
import { Clock } from '@app/security/clock';

const DAY_MS = 24 * 3600 * 1000;

interface Due {
  id: string;
  slug: string;
  ends: Date;
  company_name: string;
  client_name: string | null;
  client_email: string | null;
}

/**
 * Subscription lifecycle (cron every 10 minutes, once per cluster): `subscription.expiring` at 7 days and at
 * 24 hours before `subscriptionEndsAt`, `subscription.expired` after it — each once per portrait and end date
 * (recorded in `lifecycle_notices` with a conditional UPDATE, so two runs or instances cannot both emit).
 */
@Injectable()
export class PortraitLifecycleService implements OnModuleInit {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly jobs: JobsService,
    private readonly events: EventEmitter2,
    private readonly clock: Clock,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.jobs.work(QUEUES.arPortraitLifecycle, async () => {
      await this.run();
    });
    await this.jobs.schedule(QUEUES.arPortraitLifecycle, '*/10 * * * *');
  }

  async run(now: Date = this.clock.now()): Promise<{ emitted: number }> {
    let emitted = 0;
    const windows: Array<{ notice: '7d' | '24h' | 'expired'; from: Date | null; to: Date }> = [
      { notice: 'expired', from: null, to: now },
      { notice: '24h', from: now, to: new Date(now.getTime() + DAY_MS) },
      { notice: '7d', from: new Date(now.getTime() + DAY_MS), to: new Date(now.getTime() + 7 * DAY_MS) },
    ];
    for (const window of windows) {
      const rows = (await this.db.query(
        `SELECT p.id, p.slug, p.subscription_ends_at AS ends, co.name AS company_name, cl.name AS client_name, cl.email AS client_email
         FROM portraits p JOIN companies co ON co.id = p.company_id LEFT JOIN clients cl ON cl.id = p.client_id
         WHERE p.subscription_ends_at IS NOT NULL AND p.subscription_ends_at <= $1
           AND ($2::timestamptz IS NULL OR p.subscription_ends_at > $2::timestamptz)
           AND (p.lifecycle_notices->>$3) IS DISTINCT FROM to_char(p.subscription_ends_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
         LIMIT 500`,
        [window.to, window.from, window.notice],
      )) as Due[];
      for (const row of rows) if (await this.claim(row, window.notice)) emitted += this.emit(row, window.notice);
    }
    return { emitted };
  }

  private async claim(row: Due, notice: string): Promise<boolean> {
    const ends = new Date(row.ends).toISOString();
    const result = (await this.db.query(
      `UPDATE portraits SET lifecycle_notices = lifecycle_notices || jsonb_build_object($2::text, $3::text)
       WHERE id = $1 AND subscription_ends_at = $4 AND (lifecycle_notices->>$2) IS DISTINCT FROM $3`,
      [row.id, notice, ends, row.ends],
    )) as [unknown[], number];
    return result[1] === 1;
  }

  private emit(row: Due, notice: '7d' | '24h' | 'expired'): number {
    const base = {
      portraitId: row.id,
      companyName: row.company_name,
      clientName: row.client_name,
      clientEmail: row.client_email,
      arUrl: `${this.config.app.baseUrl}/ar/${row.slug}`,
      endsAt: new Date(row.ends).toISOString(),
    };
    if (notice === 'expired') this.events.emit(AR_EVENTS.subscriptionExpired, base satisfies SubscriptionExpiredEvent);
    else this.events.emit(AR_EVENTS.subscriptionExpiring, { ...base, window: notice } satisfies SubscriptionExpiringEvent);
    return 1;
  }
}
