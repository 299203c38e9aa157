import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Principal } from '@app/common/auth.decorators';
import { APP_CONFIG, type AppConfig } from '@app/config/app-config';
import { APPLICATION_NAME_PREFIX } from '@app/database/typeorm.options';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../clock';
import * as checks from './config-checks';
import { adminAccountsCheck, dataDirCheck, envFileCheck } from './host-checks';
import type { AdminFact, BackupFact, MailFact, ReadinessFacts, ReadinessItem, ReadinessReport } from './readiness.types';

const CREDIT = { pass: 1, warn: 0.5, fail: 0 } as const;

export interface ReadinessRun {
  source: 'api' | 'cli';
  /** The HTTP server counts itself as an instance; the CLI is not one. */
  countSelf: boolean;
  actor?: Principal;
}

/** Highest score while a weight-3 item fails: just under the default `--min` of 80, so the default gate stops it. */
export const CRITICAL_FAILURE_CAP = 79;

/**
 * Weighted score (README, "Readiness check"): every item counts with its weight, a warn earns half; a failed
 * weight-3 item caps the score at CRITICAL_FAILURE_CAP.
 */
export function scoreItems(items: ReadinessItem[]): Pick<ReadinessReport, 'score' | 'grade' | 'passed' | 'warned' | 'failed'> {
  const total = items.reduce((sum, entry) => sum + entry.weight, 0);
  const earned = items.reduce((sum, entry) => sum + entry.weight * CREDIT[entry.status], 0);
  const weighted = total === 0 ? 0 : Math.round((earned / total) * 100);
  const critical = items.some((entry) => entry.weight === 3 && entry.status === 'fail');
  const score = critical ? Math.min(weighted, CRITICAL_FAILURE_CAP) : weighted;
  const grade = score >= 95 ? 'A' : score >= 85 ? 'B' : score >= 70 ? 'C' : score >= 50 ? 'D' : 'F';
  const count = (status: ReadinessItem['status']): number => items.filter((entry) => entry.status === status).length;
  return { score, grade, passed: count('pass'), warned: count('warn'), failed: count('fail') };
}

/**
 * Scores the running configuration and host against the pre-deployment checklist (PRODUCT.md §2). Shared by
 * `GET /api/v1/security/readiness` and `cli security:check`. Never reports a secret, only facts about it.
 */
@Injectable()
export class ReadinessService {
  private readonly logger = new Logger('Readiness');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async check(run: ReadinessRun): Promise<ReadinessReport> {
    const report = this.evaluate(await this.gatherFacts(run.countSelf));
    await this.audit.record({
      action: 'security.readiness_checked',
      actor: run.actor ?? null,
      details: {
        source: run.source,
        score: report.score,
        grade: report.grade,
        failed: report.items.filter((i) => i.status === 'fail').map((i) => i.id),
      },
    });
    return report;
  }

  evaluate(facts: ReadinessFacts): ReadinessReport {
    const config = this.config;
    const items: ReadinessItem[] = [
      checks.nodeEnvCheck(config),
      checks.jwtSecretCheck(config),
      checks.encryptionKeyCheck(config),
      checks.baseUrlCheck(config),
      checks.corsCheck(config),
      checks.rateLimitCheck(config),
      checks.redisCheck(config, facts.instances),
      checks.databaseTlsCheck(config),
      checks.databaseCredentialsCheck(config),
      checks.trustProxyCheck(config),
      envFileCheck(config),
      dataDirCheck(config),
      checks.swaggerCheck(config),
      checks.metricsCheck(config),
      adminAccountsCheck(facts.admins, facts.now),
      checks.embeddedDatabaseCheck(config),
      checks.loggingCheck(config),
      checks.backupsCheck(facts.backups, facts.now),
      checks.smtpCheck(config, facts.mail),
    ];
    return { ...scoreItems(items), items, generatedAt: facts.now.toISOString() };
  }

  private async gatherFacts(countSelf: boolean): Promise<ReadinessFacts> {
    const [instances, admins, mail, backups] = await Promise.all([
      this.countInstances(countSelf),
      this.readAdmins(),
      this.readMail(),
      this.readBackups(),
    ]);
    return { instances, admins, mail, backups, now: this.clock.now() };
  }

  /**
   * Instances serving HTTP (role all/api) with a connection open to this database, told apart by their
   * application name `vertex-ar-<role>-<host>-<pid>`. An instance whose pool is idle and empty is not seen.
   */
  private async countInstances(countSelf: boolean): Promise<number | null> {
    try {
      const rows = (await this.dataSource.query(
        `SELECT count(DISTINCT application_name)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND application_name <> current_setting('application_name')
            AND (application_name LIKE $1 OR application_name LIKE $2)`,
        [`${APPLICATION_NAME_PREFIX}all-%`, `${APPLICATION_NAME_PREFIX}api-%`],
      )) as Array<{ n: number }>;
      return rows[0].n + (countSelf ? 1 : 0);
    } catch (error) {
      this.logger.warn(`could not count instances: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    }
  }

  private async readBackups(): Promise<BackupFact | null | undefined> {
    try {
      const rows = (await this.dataSource.query(
        `SELECT completed_at, verified_at, (verify_result ->> 'ok')::boolean AS ok
           FROM backups WHERE status = 'complete' AND completed_at IS NOT NULL ORDER BY completed_at DESC LIMIT 1`,
      )) as Array<{ completed_at: Date; verified_at: Date | null; ok: boolean | null }>;
      const row = rows[0];
      return row ? { completedAt: new Date(row.completed_at), verified: row.verified_at ? row.ok === true : null } : null;
    } catch (error) {
      this.logger.warn(`could not read the backups: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }

  private async readMail(): Promise<MailFact | null | undefined> {
    try {
      const rows = (await this.dataSource.query(
        `SELECT enabled, password_encrypted IS NOT NULL AS has_password, coalesce(password_encrypted LIKE 'v1.%', false) AS encrypted
           FROM mail_settings LIMIT 1`,
      )) as Array<{ enabled: boolean; has_password: boolean; encrypted: boolean }>;
      const row = rows[0];
      return row ? { enabled: row.enabled, hasPassword: row.has_password, passwordEncrypted: row.encrypted } : null;
    } catch (error) {
      this.logger.warn(`could not read the SMTP settings: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }

  private async readAdmins(): Promise<AdminFact[] | null> {
    try {
      const rows = (await this.dataSource.query(
        `SELECT email, password_changed_at, last_login_at FROM users WHERE role = 'admin' AND is_active ORDER BY email`,
      )) as Array<{ email: string; password_changed_at: Date; last_login_at: Date | null }>;
      return rows.map((row) => ({ email: row.email, passwordChangedAt: row.password_changed_at, lastLoginAt: row.last_login_at }));
    } catch (error) {
      this.logger.warn(`could not read admin accounts: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    }
  }
}
