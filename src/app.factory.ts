import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { AppModule, type AppModuleOptions } from './app.module';
import type { AppConfig } from './config/app-config';
import { MetricsService } from './health/metrics.service';
import { setupSwagger } from './openapi';
import { configureHttpPipeline } from './security/http-pipeline';

/** Replaces a provider anywhere in the module tree (tests: fakes for sources, clocks, clients). */
export interface ProviderOverride {
  provide: string | symbol | (abstract new (...args: never[]) => unknown);
  useValue: unknown;
}

export interface CreateAppOptions extends AppModuleOptions {
  config: AppConfig;
  /** Tests only. When set, the app is built through @nestjs/testing (a dev dependency, loaded only then). */
  overrides?: ProviderOverride[];
}

const APP_OPTIONS = { bodyParser: false, bufferLogs: true, abortOnError: false } as const;

async function buildNestApp(options: CreateAppOptions): Promise<NestExpressApplication> {
  const root = AppModule.forRoot(options.config, options);
  if (options.overrides === undefined || options.overrides.length === 0) {
    return NestFactory.create<NestExpressApplication>(root, APP_OPTIONS);
  }
  const { Test } = await import('@nestjs/testing');
  let builder = Test.createTestingModule({ imports: [root] });
  for (const override of options.overrides) builder = builder.overrideProvider(override.provide).useValue(override.useValue);
  const moduleRef = await builder.compile();
  return moduleRef.createNestApplication<NestExpressApplication>(APP_OPTIONS);
}

/**
 * Builds the fully configured application, initialised but not listening. `main.ts` and the tests both use
 * it, so the tests exercise exactly what ships.
 */
export async function createApp(options: CreateAppOptions): Promise<NestExpressApplication> {
  const { config } = options;
  const app = await buildNestApp(options);
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
