import type { Server } from 'node:http';
import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { APP_CONFIG, type AppConfig } from '@app/config/app-config';

/**
 * Graceful shutdown: stop accepting connections, let in-flight requests finish (at most SHUTDOWN_GRACE_MS,
 * 25 s by default), then cut what is left. Pools and servers close afterwards in their own shutdown hooks.
 */
@Injectable()
export class ShutdownService implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Shutdown');

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (!server?.listening) return;
    if (signal) this.logger.log(`received ${signal}; draining HTTP connections`);
    await new Promise<void>((resolve) => {
      const deadline = setTimeout(() => {
        this.logger.warn('grace period over; closing remaining connections');
        server.closeAllConnections();
        resolve();
      }, this.config.app.shutdownGraceMs);
      deadline.unref();
      server.close(() => {
        clearTimeout(deadline);
        resolve();
      });
      server.closeIdleConnections();
    });
  }
}
