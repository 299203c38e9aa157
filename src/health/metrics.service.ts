import { createHash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type { NextFunction, Request, Response } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { AUTH_EVENTS, type LoginFailedEvent } from '@app/auth/auth.events';
import { APP_CONFIG, type AppConfig } from '@app/config/app-config';
import { ApiException, DEFAULT_MESSAGE_BY_STATUS, ErrorCode } from '@app/security/errors';
import { RateLimitEvents } from '@app/security/throttling/rate-limit.events';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { registerDatabaseGauges } from './database-gauges';

/** Methods the HTTP pipeline accepts; anything else is labelled OTHER so a client cannot mint label values. */
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
export const UNMATCHED_ROUTE = 'unmatched';
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

let processRegistry: Registry | null = null;

/**
 * Process metrics (CPU, memory, event loop, GC) describe the process, not an application instance: they live
 * in one registry per process, created once, so several apps in one process (the tests) do not register the
 * same collectors twice. It is not prom-client's global default registry.
 */
function sharedProcessRegistry(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Prometheus metrics of one application instance, in its own registry (no prefix, like the process metrics).
 *
 * Extension point: a module that owns a number (job queue, mail outbox, backups) injects `MetricsService` and
 * registers a gauge whose `collect()` reads the value at scrape time, e.g.
 * `new Gauge({ name: 'mail_outbox_depth', help: '…', registers: [metrics.registry], collect() { … } })`.
 * The outbox, job and backup gauges are read from the database at scrape time (`database-gauges.ts`).
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly tokenDigest: Buffer | null;

  private readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Duration of HTTP requests, by method, route template (or "unmatched") and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });

  private readonly rateLimited = new Counter({
    name: 'rate_limited_requests_total',
    help: 'Requests refused with 429, by throttler (global, auth-ip, auth-account, upload, viewer).',
    labelNames: ['throttler'] as const,
    registers: [this.registry],
  });

  private readonly loginFailures = new Counter({
    name: 'auth_login_failures_total',
    help: 'Refused sign-ins and password confirmations, by reason.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  private readonly lockouts = new Counter({
    name: 'auth_lockouts_total',
    help: 'Accounts locked after too many failed sign-ins.',
    registers: [this.registry],
  });

  constructor(@Inject(APP_CONFIG) config: AppConfig, rateLimitEvents: RateLimitEvents, @InjectDataSource() dataSource: DataSource) {
    registerDatabaseGauges(this.registry, dataSource);
    this.tokenDigest = config.app.metricsToken ? sha256(config.app.metricsToken) : null;
    new Gauge({
      name: 'app_info',
      help: 'Always 1; the labels tell the version and role of this instance.',
      labelNames: ['version', 'role'] as const,
      registers: [this.registry],
    }).set({ version: config.app.version, role: config.app.role }, 1);
    for (const throttler of ['global', 'auth-ip', 'auth-account', 'upload', 'viewer']) this.rateLimited.inc({ throttler }, 0);
    this.lockouts.inc(0);
    rateLimitEvents.onThrottled((throttler) => this.rateLimited.inc({ throttler }));
  }

  @OnEvent(AUTH_EVENTS.loginFailed)
  onLoginFailed(event: LoginFailedEvent): void {
    this.loginFailures.inc({ reason: event.reason });
  }

  @OnEvent(AUTH_EVENTS.accountLocked)
  onAccountLocked(): void {
    this.lockouts.inc();
  }

  /**
   * Express middleware, mounted first by `createApp`: times every request and labels it with the route
   * template Express matched (`/api/v1/users/:id`), never the raw URL.
   */
  readonly httpMiddleware = (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const route = (req as Request & { route?: { path?: unknown } }).route?.path;
      this.httpDuration.observe(
        {
          method: KNOWN_METHODS.has(req.method) ? req.method : 'OTHER',
          route: typeof route === 'string' ? `${req.baseUrl}${route}` : UNMATCHED_ROUTE,
          status_code: String(res.statusCode),
        },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
    });
    next();
  };

  /** 404 while METRICS_TOKEN is unset (metrics disabled); 401 unless `Authorization: Bearer <METRICS_TOKEN>`. */
  authorize(header: string | undefined): void {
    if (!this.tokenDigest) throw new ApiException(404, ErrorCode.NotFound, DEFAULT_MESSAGE_BY_STATUS[404]);
    const match = typeof header === 'string' ? /^Bearer (\S+)$/.exec(header) : null;
    // Digests have the same length whatever was sent, so the comparison takes the same time for every guess.
    if (!match || !timingSafeEqual(sha256(match[1]), this.tokenDigest)) {
      throw new ApiException(401, ErrorCode.Unauthorized, 'A valid metrics token is required', undefined, { 'WWW-Authenticate': 'Bearer' });
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  async exposition(): Promise<string> {
    return Registry.merge([sharedProcessRegistry(), this.registry]).metrics();
  }
}
