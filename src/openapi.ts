import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { AppConfig } from './config/app-config';
import { DOCS_PATH } from './security/http-pipeline';

type Operation = {
  responses?: Record<string, unknown>;
  security?: unknown[];
  'x-public'?: boolean;
  [key: string]: unknown;
};

const ERROR_REF = { $ref: '#/components/schemas/ErrorResponseDto' };

function errorResponse(description: string): Record<string, unknown> {
  return { description, content: { 'application/json': { schema: ERROR_REF } } };
}

function sortKeys<T extends Record<string, unknown>>(object: T): T {
  return Object.fromEntries(Object.entries(object).sort(([a], [b]) => a.localeCompare(b))) as T;
}

/**
 * Builds the OpenAPI document deterministically (stable operation ids, sorted paths and schemas) and applies
 * the security model: every operation not marked public requires the bearer token and can answer 401.
 */
export function buildOpenApiDocument(app: INestApplication, config: AppConfig): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Vertex AR API')
    .setDescription(
      'Backend of the Vertex AR animated-portrait service. Errors always have the shape ' +
        '`{ statusCode, error, message, requestId, details? }`; lists are `{ items, total, page, limit }`.',
    )
    .setVersion(config.app.version)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
    .build();
  const document = SwaggerModule.createDocument(app, builder, {
    operationIdFactory: (controllerKey: string, methodKey: string) => `${controllerKey.replace(/Controller$/, '')}_${methodKey}`,
  });

  for (const path of Object.values(document.paths)) {
    for (const operation of Object.values(path) as Operation[]) {
      if (typeof operation !== 'object' || operation === null || !('responses' in operation)) continue;
      const responses = (operation.responses ??= {});
      if (operation['x-public']) {
        delete operation['x-public'];
        operation.security = [];
      } else {
        operation.security = [{ bearer: [] }];
        responses['401'] ??= errorResponse('Missing, invalid or expired access token.');
      }
      responses['429'] ??= errorResponse('Rate limited; see Retry-After.');
      responses['500'] ??= errorResponse('Unexpected error (generic message; details only in the server log).');
      operation.responses = sortKeys(responses);
    }
  }
  document.paths = sortKeys(document.paths);
  if (document.components?.schemas) document.components.schemas = sortKeys(document.components.schemas);
  document.tags = [...(document.tags ?? [])].sort((a, b) => a.name.localeCompare(b.name));
  return document;
}

export function setupSwagger(app: INestApplication, config: AppConfig): void {
  if (!config.app.swaggerEnabled) return;
  const document = buildOpenApiDocument(app, config);
  SwaggerModule.setup(DOCS_PATH, app, () => document, {
    jsonDocumentUrl: 'api/docs-json',
    yamlDocumentUrl: 'api/docs-yaml',
    swaggerOptions: { persistAuthorization: false },
    customSiteTitle: 'Vertex AR API',
  });
}
