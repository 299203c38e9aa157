import { Inject, Injectable, Logger } from '@nestjs/common';
import { getStorageToken, type ThrottlerStorage } from '@nestjs/throttler';
import type { Request } from 'express';
import { APP_CONFIG, type AppConfig } from '@app/config/app-config';
import { RateLimitEvents } from './rate-limit.events';
import { THROTTLER_NAMES } from './rate-limit.guards';

/**
 * Requests to paths no route matches never reach a guard (Nest answers them 404 itself), so the exception
 * filter charges them here to the same per-client global budget the guards use. Without this a client could
 * send unlimited requests to made-up paths. Fails open: a counter outage must not turn 404s into 5xx.
 */
@Injectable()
export class UnmatchedRouteLimiter {
  private readonly logger = new Logger('RateLimit');

  constructor(
    @Inject(getStorageToken()) private readonly storage: ThrottlerStorage,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly events: RateLimitEvents,
  ) {}

  /** Seconds to wait when the client is over its global budget, otherwise null. */
  async charge(req: Request): Promise<number | null> {
    const security = this.config.security;
    if (!security.rateLimitEnabled) return null;
    const { limit, ttlMs } = security.globalRateLimit;
    const key = `${security.redisKeyPrefix}rl:${THROTTLER_NAMES.global}:ip:${req.ip ?? 'unknown'}`;
    try {
      const result = await this.storage.increment(key, ttlMs, limit, ttlMs, THROTTLER_NAMES.global);
      if (!result.isBlocked) return null;
      this.events.throttled(THROTTLER_NAMES.global);
      return Math.max(1, result.timeToBlockExpire);
    } catch (error) {
      this.logger.warn(`rate-limit store unavailable for an unmatched route: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    }
  }
}

/** Nest's own answer for a path no controller matches: `NotFoundException('Cannot GET /x')`. */
export function isUnmatchedRoute(exception: unknown): boolean {
  if (typeof exception !== 'object' || exception === null) return false;
  const { status, message } = exception as { status?: number; message?: unknown };
  return status === 404 && typeof message === 'string' && /^Cannot [A-Z]+ \//.test(message);
}
