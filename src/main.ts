import 'reflect-metadata';
import type { Server } from 'node:http';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory';
import { ConfigValidationError, loadConfig, UnsafeProductionConfigError } from './config/load-config';

async function bootstrap(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigValidationError || error instanceof UnsafeProductionConfigError) {
      process.stderr.write(`FATAL: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }

  const started = Date.now();
  const app = await createApp({ config });
  const logger = new Logger('Bootstrap');
  for (const name of config.security.generatedSecrets) {
    logger.warn(`${name} is not set: using a generated development value stored in ${config.app.dataDir}/.dev-secrets.json`);
  }
  if (config.mail.envCredentialsPresent) {
    logger.warn('SMTP_USERNAME/SMTP_PASSWORD in the environment are ignored: configure SMTP through the admin API (stored encrypted)');
  }
  if (config.security.rateLimitEnabled && !config.security.redisUrl) {
    logger.log('rate-limit counters are in memory (set REDIS_URL to share them between instances)');
  }

  const server = app.getHttpServer() as Server;
  server.headersTimeout = 20_000;
  server.requestTimeout = 300_000;
  server.keepAliveTimeout = 65_000;
  await app.listen(config.app.port, config.app.host);
  logger.log(
    `Vertex AR ${config.app.version} listening on ${config.app.host}:${config.app.port} (${config.app.env}, ready in ${Date.now() - started} ms)`,
  );
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`FATAL: could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
