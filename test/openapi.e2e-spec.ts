import { readFileSync } from 'node:fs';
import { generateOpenApiJson, OPENAPI_FILE } from '../scripts/generate-openapi';
import { createTestApp, type TestApp } from './support/test-app';

type Operation = { summary?: string; operationId?: string; security?: unknown[]; responses: Record<string, unknown> };

describe('OpenAPI document', () => {
  let generated: string;
  beforeAll(async () => {
    generated = await generateOpenApiJson();
  });

  it('matches the committed openapi.json (run `npm run openapi:generate` after API changes)', () => {
    expect(generated).toBe(readFileSync(OPENAPI_FILE, 'utf8'));
  });

  it('documents every operation with a summary, an id, error responses and its security', () => {
    const document = JSON.parse(generated) as { paths: Record<string, Record<string, Operation>> };
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ path, method, op })),
    );
    expect(operations.length).toBeGreaterThanOrEqual(12);
    const publicPaths = new Set([
      '/api/v1/auth/login',
      '/api/v1/auth/refresh',
      '/health/live',
      '/health/ready',
      '/api/v1/mobile/ar/{slug}',
      '/api/v1/mobile/ar/{slug}/events',
    ]);
    for (const { path, method, op } of operations) {
      expect(op.summary, `${method} ${path}`).toBeTruthy();
      expect(op.operationId, `${method} ${path}`).toMatch(/^[A-Za-z]+_[A-Za-z]+$/);
      expect(op.responses['500'], `${method} ${path}`).toBeDefined();
      if (publicPaths.has(path)) expect(op.security).toEqual([]);
      else {
        expect(op.security, `${method} ${path}`).toEqual([{ bearer: [] }]);
        expect(op.responses['401'], `${method} ${path}`).toBeDefined();
      }
    }
  });

  describe('served by the app', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp();
    });
    afterAll(async () => {
      await t.close();
    });

    it('serves the JSON at /api/docs-json and the UI at /api/docs with its own CSP', async () => {
      const json = await t.http.get('/api/docs-json');
      expect(json.status).toBe(200);
      expect(Object.keys(json.body.paths)).toEqual(Object.keys(JSON.parse(generated).paths));
      const ui = await t.http.get('/api/docs/');
      expect(ui.status).toBe(200);
      expect(ui.headers['content-security-policy']).toContain("script-src 'self'");
      expect(ui.headers['content-security-policy']).not.toContain('unsafe-eval');
    });

    it('is not served when Swagger is disabled', async () => {
      const off = await createTestApp({ env: { SWAGGER_ENABLED: 'false' } });
      try {
        expect((await off.http.get('/api/docs-json')).status).toBe(404);
      } finally {
        await off.close();
      }
    });
  });
});
