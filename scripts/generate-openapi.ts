import 'reflect-metadata';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../src/app.module';
import { loadConfig } from '../src/config/load-config';
import { buildOpenApiDocument } from '../src/openapi';

function projectRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** Works from the TypeScript source (tests) and from dist/ (npm scripts). */
export const OPENAPI_FILE = join(projectRoot(__dirname), 'openapi.json');

/**
 * The OpenAPI document as committed in `openapi.json`. Built in Nest's preview mode: modules and routes are
 * scanned, no provider runs, so no database is needed.
 */
export async function generateOpenApiJson(): Promise<string> {
  const config = loadConfig({
    NODE_ENV: 'test',
    JWT_SECRET: 'openapi-generation-only-secret-value-000',
    DATA_ENCRYPTION_KEY: 'openapi-generation-only-key-value-00000',
    DATABASE_URL: 'postgres://openapi@127.0.0.1:1/openapi',
    DATA_DIR: '/tmp',
  });
  const app = await NestFactory.create(AppModule.forRoot(config), { preview: true, logger: false, abortOnError: false });
  const document = buildOpenApiDocument(app, config);
  await app.close();
  return `${JSON.stringify(document, null, 2)}\n`;
}

async function main(): Promise<void> {
  const generated = await generateOpenApiJson();
  if (process.argv.includes('--check')) {
    const committed = readFileSync(OPENAPI_FILE, 'utf8');
    if (committed !== generated) {
      process.stderr.write('openapi.json is out of date: run `npm run openapi:generate` and commit the result\n');
      process.exit(1);
    }
    process.stdout.write('openapi.json is up to date\n');
    return;
  }
  writeFileSync(OPENAPI_FILE, generated);
  process.stdout.write(`wrote ${OPENAPI_FILE}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
