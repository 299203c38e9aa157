import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  getOptionsToken,
  getStorageToken,
  ThrottlerGuard,
  type ThrottlerModuleOptions,
  type ThrottlerRequest,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { APP_CONFIG, type AppConfig } from '@app/config/app-config';
import { ApiException, ErrorCode } from '../errors';
import { RATE_LIMIT_POLICY, SKIP_RATE_LIMIT, type RateLimitPolicy } from './rate-limit.decorators';
import { RateLimitEvents } from './rate-limit.events';

export const THROTTLER_NAMES = {
  global: 'global',
  authIp: 'auth-ip',
  authAccount: 'auth-account',
  upload: 'upload',
  viewer: 'viewer',
} as const;

const STORE_FAILURE_LOG_INTERVAL_MS = 60_000;

function accountKeyOf(req: Request): string | null {
  const body = req.body as Record<string, unknown> | undefined;
  if (!body || typeof body !== 'object') return null;
  if (typeof body.email === 'string') {
    const normalized = body.email.normalize('NFKC').trim().toLowerCase();
    return normalized ? `email:${createHash('sha256').update(normalized).digest('hex').slice(0, 32)}` : null;
  }
  if (typeof body.refreshToken === 'string' && body.refreshToken.length > 0) {
    return `refresh:${createHash('sha256').update(body.refreshToken).digest('hex').slice(0, 32)}`;
  }
  return null;
}

/**
 * Shared logic of the two rate-limit guards. The counters are @nestjs/throttler's (memory or Redis); the keys
 * are ours: the global limit is one budget per client across the whole API (the stock guard keys per route),
 * auth limits are per IP and per account, uploads per user.
 */
abstract class RateLimitGuardBase extends ThrottlerGuard {
  private lastStoreFailureLog = 0;
  protected abstract readonly handledThrottlers: ReadonlySet<string>;
  private readonly log = new Logger('RateLimit');

  constructor(
    @Inject(getOptionsToken()) options: ThrottlerModuleOptions,
    @Inject(getStorageToken()) storage: ThrottlerStorage,
    reflector: Reflector,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly events: RateLimitEvents,
  ) {
    super(options, storage, reflector);
  }

  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    if (!this.config.security.rateLimitEnabled) return true;
    return this.reflector.getAllAndOverride<boolean>(SKIP_RATE_LIMIT, [context.getHandler(), context.getClass()]) === true;
  }

  protected override async handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const { context, limit, ttl, throttler, blockDuration } = props;
    const name = throttler.name ?? '';
    if (!this.handledThrottlers.has(name)) return true;
    const policy = this.reflector.getAllAndOverride<RateLimitPolicy | undefined>(RATE_LIMIT_POLICY, [
      context.getHandler(),
      context.getClass(),
    ]);
    const req = context.switchToHttp().getRequest<Request & { user?: { id: string } }>();
    const res = context.switchToHttp().getResponse<Response>();
    const ip = req.ip ?? 'unknown';

    let key: string | null = null;
    if (name === THROTTLER_NAMES.global) key = policy === 'viewer' ? null : `ip:${ip}`;
    else if (name === THROTTLER_NAMES.viewer && policy === 'viewer') key = `ip:${ip}`;
    else if (name === THROTTLER_NAMES.authIp && policy === 'auth') key = `ip:${ip}`;
    else if (name === THROTTLER_NAMES.authAccount && policy === 'auth') key = accountKeyOf(req);
    else if (name === THROTTLER_NAMES.upload && policy === 'upload') key = `user:${req.user?.id ?? `ip:${ip}`}`;
    if (key === null) return true;

    let result: Awaited<ReturnType<ThrottlerStorage['increment']>>;
    try {
      result = await this.storageService.increment(
        `${this.config.security.redisKeyPrefix}rl:${name}:${key}`,
        ttl,
        limit,
        blockDuration,
        name,
      );
    } catch (error) {
      this.logStoreFailure(error);
      if (policy === 'auth') {
        throw new ApiException(503, ErrorCode.RateLimitUnavailable, 'Sign-in is temporarily unavailable, try again shortly', undefined, {
          'Retry-After': '5',
        });
      }
      return true;
    }

    if (name === THROTTLER_NAMES.global) {
      res.setHeader('X-RateLimit-Limit', String(limit));
      res.setHeader('X-RateLimit-Remaining', String(Math.max(0, limit - result.totalHits)));
      res.setHeader('X-RateLimit-Reset', String(result.timeToExpire));
    }
    if (result.isBlocked) {
      this.events.throttled(name);
      const retryAfter = String(Math.max(1, result.timeToBlockExpire));
      throw new ApiException(429, ErrorCode.RateLimited, 'Too many requests, try again later', undefined, { 'Retry-After': retryAfter });
    }
    return true;
  }

  private logStoreFailure(error: unknown): void {
    const now = Date.now();
    if (now - this.lastStoreFailureLog < STORE_FAILURE_LOG_INTERVAL_MS) return;
    this.lastStoreFailureLog = now;
    this.log.error(
      `rate-limit counter store unavailable (auth routes fail closed): ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** Runs first: the global per-client budget and the sign-in limits. */
@Injectable()
export class ClientRateLimitGuard extends RateLimitGuardBase {
  protected readonly handledThrottlers = new Set<string>([
    THROTTLER_NAMES.global,
    THROTTLER_NAMES.authIp,
    THROTTLER_NAMES.authAccount,
    THROTTLER_NAMES.viewer,
  ]);
}

/** Runs after authentication: per-user limits (uploads). */
@Injectable()
export class UserRateLimitGuard extends RateLimitGuardBase {
  protected readonly handledThrottlers = new Set<string>([THROTTLER_NAMES.upload]);
}
