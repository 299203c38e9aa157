import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '@app/config/app-config';
import { Clock } from '@app/security/clock';
import { ApiException, ErrorCode } from '@app/security/errors';
import type { UserEntity } from './entities/user.entity';

export interface FailureResult {
  failedLoginCount: number;
  lockedUntil: Date | null;
  lockedNow: boolean;
}

/**
 * Per-account lockout kept in PostgreSQL, so it holds across IPs and instances: AUTH_MAX_ATTEMPTS consecutive
 * failures lock the account for AUTH_LOCKOUT_MINUTES. The counter update is one atomic statement.
 */
@Injectable()
export class LockoutService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  assertNotLocked(user: Pick<UserEntity, 'lockedUntil'>): void {
    if (user.lockedUntil && user.lockedUntil > this.clock.now()) throw this.lockedError(user.lockedUntil);
  }

  lockedError(until: Date): ApiException {
    const seconds = Math.max(1, Math.ceil((until.getTime() - this.clock.now().getTime()) / 1000));
    return new ApiException(423, ErrorCode.AccountLocked, 'Account is temporarily locked after too many failed sign-ins', undefined, {
      'Retry-After': String(seconds),
    });
  }

  async registerFailure(userId: string): Promise<FailureResult> {
    const now = this.clock.now();
    const { authMaxAttempts, authLockoutMinutes } = this.config.security;
    const lockUntil = new Date(now.getTime() + authLockoutMinutes * 60_000);
    // A lock that has run out starts a fresh count; reaching the threshold sets a new lock.
    const [rows] = (await this.dataSource.query(
      `UPDATE users SET
         failed_login_count = CASE WHEN locked_until IS NOT NULL AND locked_until <= $2 THEN 1 ELSE failed_login_count + 1 END,
         locked_until = CASE
           WHEN locked_until IS NOT NULL AND locked_until > $2 THEN locked_until
           WHEN (CASE WHEN locked_until IS NOT NULL AND locked_until <= $2 THEN 1 ELSE failed_login_count + 1 END) >= $3
             THEN $4::timestamptz
           ELSE NULL END
       WHERE id = $1
       RETURNING failed_login_count, locked_until, (locked_until = $4::timestamptz) AS locked_now`,
      [userId, now, authMaxAttempts, lockUntil],
    )) as [Array<{ failed_login_count: number; locked_until: Date | null; locked_now: boolean | null }>, number];
    const row = rows[0];
    return {
      failedLoginCount: row?.failed_login_count ?? 0,
      lockedUntil: row?.locked_until ?? null,
      lockedNow: row?.locked_now === true,
    };
  }
}
