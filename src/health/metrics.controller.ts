import { Controller, Get, Headers, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '@app/common/auth.decorators';
import { SkipRateLimit } from '@app/security/throttling/rate-limit.decorators';
import { MetricsService } from './metrics.service';

/**
 * `GET /metrics` for Prometheus. Not a user route: no access token (`@Public`), its own bearer token
 * (METRICS_TOKEN) instead, no rate limit (scrapes must not eat the API budget of the proxy's IP), and not in
 * the OpenAPI document. nginx does not expose it publicly.
 */
@ApiExcludeController()
@Public()
@SkipRateLimit()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  async scrape(@Headers('authorization') authorization: string | undefined, @Res({ passthrough: true }) res: Response): Promise<string> {
    this.metrics.authorize(authorization);
    res.type(this.metrics.contentType);
    return this.metrics.exposition();
  }
}
