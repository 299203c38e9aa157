import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Principal } from '@app/common/auth.decorators';
import { CompaniesService } from '@app/companies/companies.service';
import { Clock } from '@app/security/clock';
import { ApiException, ErrorCode } from '@app/security/errors';
import type { CompanyStatsDto, CompanyStatsQueryDto } from '../content/dto/stats.dto';
import type { MobileEventDto } from '../content/dto/public.dto';
import type { Published } from './published-content';

const DAY_MS = 24 * 3600 * 1000;
const invalid = (field: string, message: string): ApiException =>
  new ApiException(400, ErrorCode.ValidationFailed, 'Request validation failed', [{ field, message }]);

/** Viewer events (deduplicated per portrait, session and type) and the per-day company statistics. */
@Injectable()
export class PublicEventsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly companies: CompaniesService,
    private readonly clock: Clock,
  ) {}

  async record(published: Published, dto: MobileEventDto): Promise<boolean> {
    const now = this.clock.now();
    const result = (await this.db.query(
      `INSERT INTO portrait_events (portrait_id, company_id, session_id, type, platform, app_version, scan_time_ms, day, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, ($8::timestamptz AT TIME ZONE 'UTC')::date, $8)
       ON CONFLICT (portrait_id, session_id, type) DO NOTHING RETURNING id`,
      [
        published.portrait.id,
        published.portrait.companyId,
        dto.sessionId,
        dto.type,
        dto.platform ?? null,
        dto.appVersion ?? null,
        dto.scanTimeMs ?? null,
        now,
      ],
    )) as unknown[];
    return result.length === 1;
  }

  async companyStats(principal: Principal, companyId: string, query: CompanyStatsQueryDto): Promise<CompanyStatsDto> {
    await this.companies.get(principal, companyId);
    const today = this.clock.now().toISOString().slice(0, 10);
    const to = query.to ?? today;
    const from = query.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - 29 * DAY_MS).toISOString().slice(0, 10);
    const start = Date.parse(`${from}T00:00:00Z`);
    const end = Date.parse(`${to}T00:00:00Z`);
    if (Number.isNaN(start)) throw invalid('from', 'from is not a valid date');
    if (Number.isNaN(end)) throw invalid('to', 'to is not a valid date');
    if (start > end) throw invalid('from', 'from must not be after to');
    if (end - start > 366 * DAY_MS) throw invalid('to', 'the range is at most 366 days');
    const rows = (await this.db.query(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day,
              count(*) FILTER (WHERE type = 'view')::int AS views,
              count(DISTINCT session_id)::int AS sessions,
              count(*) FILTER (WHERE type = 'play')::int AS plays,
              count(*) FILTER (WHERE type = 'complete')::int AS completes,
              count(*) FILTER (WHERE type = 'click')::int AS clicks
       FROM portrait_events WHERE company_id = $1 AND day BETWEEN $2::date AND $3::date
       GROUP BY day ORDER BY day`,
      [companyId, from, to],
    )) as Array<{ day: string; views: number; sessions: number; plays: number; completes: number; clicks: number }>;
    return {
      companyId,
      from,
      to,
      days: rows.map((r) => ({
        day: r.day,
        views: r.views,
        uniqueSessions: r.sessions,
        plays: r.plays,
        completes: r.completes,
        clicks: r.clicks,
      })),
    };
  }
}
