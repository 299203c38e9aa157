import { Inject, Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, IsNull, Repository, type EntityManager } from 'typeorm';
import type { Principal } from '@app/common/auth.decorators';
import { APP_CONFIG, type AppConfig } from '@app/config/app-config';
import { AuditService } from '@app/security/audit/audit.service';
import { Clock } from '@app/security/clock';
import { ApiException, ErrorCode } from '@app/security/errors';
import { requestContext } from '@app/security/request-context';
import { AUTH_EVENTS, type AccountLockedEvent, type LoginFailedEvent, type PasswordChangedEvent } from './auth.events';
import type { MeDto, TokenPairDto } from './dto/auth.dto';
import { RefreshTokenEntity } from './entities/refresh-token.entity';
import { SessionEntity } from './entities/session.entity';
import { UserEntity } from './entities/user.entity';
import { LockoutService } from './lockout.service';
import { PasswordService } from './password.service';
import { SessionsService } from './sessions.service';
import { TokenService } from './token.service';

const invalidCredentials = (): ApiException => new ApiException(401, ErrorCode.InvalidCredentials, 'Invalid e-mail or password');

@Injectable()
export class AuthService {
  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly passwords: PasswordService,
    private readonly tokens: TokenService,
    private readonly sessions: SessionsService,
    private readonly lockout: LockoutService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly events: EventEmitter2,
  ) {}

  async login(email: string, password: string): Promise<TokenPairDto> {
    const user = await this.users.findOneBy({ email });
    if (!user) {
      await this.passwords.verifyDummy(password);
      await this.audit.record({
        action: 'auth.login',
        outcome: 'failure',
        actor: { id: null, email },
        details: { reason: 'unknown_email' },
      });
      this.emitLoginFailed(null, 'unknown_email');
      throw invalidCredentials();
    }
    this.lockout.assertNotLocked(user);

    const valid = await this.passwords.verify(user.passwordHash, password);
    if (!valid || !user.isActive) {
      if (!valid) await this.registerFailure(user, 'wrong_password');
      else {
        await this.audit.record({ action: 'auth.login', outcome: 'failure', actor: user, details: { reason: 'disabled' } });
        this.emitLoginFailed(user.id, 'disabled');
      }
      throw invalidCredentials();
    }

    const now = this.clock.now();
    await this.users.update({ id: user.id }, { failedLoginCount: 0, lockedUntil: null, lastLoginAt: now });
    if (this.passwords.needsRehash(user.passwordHash)) {
      await this.users.update({ id: user.id }, { passwordHash: await this.passwords.hash(password) });
    }
    const pair = await this.dataSource.transaction((manager) => this.startSession(manager, user, now));
    await this.audit.record({ action: 'auth.login', actor: user, target: { type: 'user', id: user.id } });
    return pair;
  }

  async refresh(refreshToken: string): Promise<TokenPairDto> {
    const now = this.clock.now();
    const hash = TokenService.hashRefreshToken(refreshToken);
    const outcome = await this.dataSource.transaction(async (manager) => {
      const spent = (await manager.query(
        `UPDATE auth_refresh_tokens SET used_at = $2
           WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
         RETURNING session_id`,
        [hash, now],
      )) as [Array<{ session_id: string }>, number];
      const sessionId = spent[0][0]?.session_id;
      if (!sessionId) {
        const known = await manager.findOneBy(RefreshTokenEntity, { tokenHash: hash });
        if (known?.usedAt) {
          await this.sessions.revoke(manager, known.sessionId, 'refresh_reuse', now);
          return { kind: 'reused' as const, sessionId: known.sessionId };
        }
        return { kind: 'invalid' as const };
      }
      const session = await manager.findOneBy(SessionEntity, { id: sessionId, revokedAt: IsNull() });
      const user = session ? await manager.findOneBy(UserEntity, { id: session.userId }) : null;
      if (!session || !user || !user.isActive || session.expiresAt <= now) return { kind: 'invalid' as const };
      return { kind: 'ok' as const, pair: await this.continueSession(manager, user, session, now) };
    });

    if (outcome.kind === 'reused') {
      await this.audit.record({
        action: 'auth.refresh_reuse',
        outcome: 'failure',
        target: { type: 'session', id: outcome.sessionId },
        details: { effect: 'session revoked' },
      });
    }
    if (outcome.kind !== 'ok') throw new ApiException(401, ErrorCode.Unauthorized, 'Refresh token is invalid, expired or already used');
    return outcome.pair;
  }

  async logout(principal: Principal): Promise<void> {
    await this.sessions.revoke(this.dataSource.manager, principal.sessionId, 'logout', this.clock.now());
    await this.audit.record({ action: 'auth.logout', actor: principal, target: { type: 'session', id: principal.sessionId } });
  }

  async me(principal: Principal): Promise<MeDto> {
    const user = await this.users.findOneByOrFail({ id: principal.id });
    return {
      id: user.id,
      email: user.email,
      fullName: user.fullName,
      role: user.role,
      companyId: user.companyId,
      lastLoginAt: user.lastLoginAt?.toISOString() ?? null,
    };
  }

  async changePassword(principal: Principal, currentPassword: string, newPassword: string): Promise<void> {
    const user = await this.users.findOneByOrFail({ id: principal.id });
    this.lockout.assertNotLocked(user);
    if (!(await this.passwords.verify(user.passwordHash, currentPassword))) {
      await this.registerFailure(user, 'wrong_current_password');
      throw new ApiException(400, ErrorCode.InvalidCurrentPassword, 'The current password is not correct');
    }
    const problems = this.passwords.policyProblems(newPassword, user.email);
    if (newPassword === currentPassword) problems.push('new password must differ from the current one');
    if (problems.length > 0) {
      throw new ApiException(
        400,
        ErrorCode.ValidationFailed,
        'Request validation failed',
        problems.map((message) => ({ field: 'newPassword', message })),
      );
    }
    const now = this.clock.now();
    const passwordHash = await this.passwords.hash(newPassword);
    await this.dataSource.transaction(async (manager) => {
      await manager.update(UserEntity, { id: user.id }, { passwordHash, passwordChangedAt: now, failedLoginCount: 0 });
      await this.sessions.revokeAllForUser(manager, user.id, 'password_changed', now, principal.sessionId);
    });
    await this.audit.record({ action: 'auth.password_changed', actor: principal, target: { type: 'user', id: user.id } });
    const event: PasswordChangedEvent = { userId: user.id, email: user.email, fullName: user.fullName, at: now.toISOString() };
    this.events.emit(AUTH_EVENTS.passwordChanged, event);
  }

  private emitLoginFailed(userId: string | null, reason: LoginFailedEvent['reason']): void {
    const event: LoginFailedEvent = { userId, reason, ip: requestContext.current()?.ip ?? null };
    this.events.emit(AUTH_EVENTS.loginFailed, event);
  }

  private async registerFailure(user: UserEntity, reason: 'wrong_password' | 'wrong_current_password'): Promise<void> {
    const result = await this.lockout.registerFailure(user.id);
    this.emitLoginFailed(user.id, reason);
    await this.audit.record({
      action: 'auth.login',
      outcome: 'failure',
      actor: user,
      target: { type: 'user', id: user.id },
      details: { reason, failedAttempts: result.failedLoginCount },
    });
    if (result.lockedNow && result.lockedUntil) {
      await this.audit.record({
        action: 'auth.account_locked',
        outcome: 'failure',
        actor: user,
        target: { type: 'user', id: user.id },
        details: { until: result.lockedUntil.toISOString(), failedAttempts: result.failedLoginCount },
      });
      const event: AccountLockedEvent = {
        userId: user.id,
        email: user.email,
        lockedUntil: result.lockedUntil.toISOString(),
        ip: requestContext.current()?.ip ?? null,
      };
      this.events.emit(AUTH_EVENTS.accountLocked, event);
      throw this.lockout.lockedError(result.lockedUntil);
    }
  }

  private async startSession(manager: EntityManager, user: UserEntity, now: Date): Promise<TokenPairDto> {
    const context = requestContext.current();
    const session = await manager.save(
      manager.create(SessionEntity, {
        userId: user.id,
        expiresAt: new Date(now.getTime() + this.config.security.refreshTokenTtlDays * 86_400_000),
        lastUsedAt: now,
        ip: context?.ip ?? null,
        userAgent: context?.userAgent ?? null,
      }),
    );
    return this.continueSession(manager, user, session, now);
  }

  private async continueSession(manager: EntityManager, user: UserEntity, session: SessionEntity, now: Date): Promise<TokenPairDto> {
    const refresh = this.tokens.newRefreshToken();
    await manager.insert(RefreshTokenEntity, { sessionId: session.id, tokenHash: refresh.hash, expiresAt: session.expiresAt });
    await manager.update(SessionEntity, { id: session.id }, { lastUsedAt: now });
    const access = this.tokens.signAccessToken(user, session.id, now);
    return { accessToken: access.token, refreshToken: refresh.token, tokenType: 'Bearer', expiresIn: access.expiresIn };
  }
}
