import { Inject, Injectable, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { ThrottlerModule } from '@nestjs/throttler';
import Redis from 'ioredis';
import { APP_CONFIG, type AppConfig } from '@app/config/app-config';
import { ClientRateLimitGuard, THROTTLER_NAMES, UserRateLimitGuard } from './rate-limit.guards';
import { RateLimitEvents } from './rate-limit.events';
import { UnmatchedRouteLimiter } from './unmatched-route.limiter';

export const RATE_LIMIT_REDIS = Symbol('RATE_LIMIT_REDIS');
const REDIS_READY_TIMEOUT_MS = 2_000;

/**
 * The Redis connection for shared counters. Commands fail fast instead of queueing while Redis is down
 * (`enableOfflineQueue: false`, short timeouts), so a request never hangs on the limiter.
 */
export function createRateLimitRedis(url: string): Redis {
  const logger = new Logger('RateLimitRedis');
  let lastLog = 0;
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 500,
    connectTimeout: 1_000,
    retryStrategy: (attempt) => Math.min(attempt * 250, 2_000),
    lazyConnect: false,
  });
  redis.on('error', (error: Error) => {
    if (Date.now() - lastLog > 60_000) {
      lastLog = Date.now();
      logger.warn(`Redis error: ${error.message}`);
    }
  });
  return redis;
}

@Injectable()
class RedisLifecycle implements OnApplicationShutdown {
  constructor(@Inject(RATE_LIMIT_REDIS) private readonly redis: Redis | null) {}

  onApplicationShutdown(): void {
    this.redis?.disconnect(false);
  }
}

@Module({
  providers: [
    {
      provide: RATE_LIMIT_REDIS,
      inject: [APP_CONFIG],
      useFactory: async (config: AppConfig) => {
        if (!config.security.redisUrl) return null;
        const redis = createRateLimitRedis(config.security.redisUrl);
        // Wait (briefly) for the connection: before it is ready every command fails, which would let the first
        // requests after a start skip the shared counters.
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, REDIS_READY_TIMEOUT_MS);
          timer.unref();
          redis.once('ready', () => {
            clearTimeout(timer);
            resolve();
          });
        });
        return redis;
      },
    },
    RedisLifecycle,
  ],
  exports: [RATE_LIMIT_REDIS],
})
class RateLimitStoreModule {}

@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      imports: [RateLimitStoreModule],
      inject: [APP_CONFIG, RATE_LIMIT_REDIS],
      useFactory: (config: AppConfig, redis: Redis | null) => {
        const { globalRateLimit, authRateLimit, uploadRateLimit, viewerRateLimit } = config.security;
        return {
          throttlers: [
            { name: THROTTLER_NAMES.global, limit: globalRateLimit.limit, ttl: globalRateLimit.ttlMs },
            { name: THROTTLER_NAMES.authIp, limit: authRateLimit.limit, ttl: authRateLimit.ttlMs },
            { name: THROTTLER_NAMES.authAccount, limit: authRateLimit.limit, ttl: authRateLimit.ttlMs },
            { name: THROTTLER_NAMES.upload, limit: uploadRateLimit.limit, ttl: uploadRateLimit.ttlMs },
            { name: THROTTLER_NAMES.viewer, limit: viewerRateLimit.limit, ttl: viewerRateLimit.ttlMs },
          ],
          setHeaders: false,
          ...(redis ? { storage: new ThrottlerStorageRedisService(redis) } : {}),
        };
      },
    }),
  ],
  providers: [RateLimitEvents, ClientRateLimitGuard, UserRateLimitGuard, UnmatchedRouteLimiter],
  exports: [RateLimitEvents, ClientRateLimitGuard, UserRateLimitGuard, UnmatchedRouteLimiter],
})
export class ThrottlingModule {}
