import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { AppModule, type AppModuleOptions } from './app.module';
import type { AppConfig } from './config/app-config';
import { MetricsService } from './health/metrics.service';
import { setupSwagger } from './openapi';
import { configureHttpPipeline } from './security/http-pipeline';

export interface CreateAppOptions extends AppModuleOptions {
  config: AppConfig;
}

/**
 * Builds the fully configured application, initialised but not listening. `main.ts` and the tests both use
 * it, so the tests exercise exactly what ships.
 */
export async function createApp(options: CreateAppOptions): Promise<NestExpressApplication> {
  const { config } = options;
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, options), {
    bodyParser: false,
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  app.flushLogs();
  // First, so that requests the pipeline itself refuses (405, 415, 400) are timed too.
  app.use(app.get(MetricsService).httpMiddleware);
  configureHttpPipeline(app, config);
  setupSwagger(app, config);
  // process.exit(0) after the shutdown hooks (instead of re-raising the signal): a clean stop exits 0 and pino flushes.
  app.enableShutdownHooks([], { useProcessExit: true });
  await app.init();
  return app;
}
