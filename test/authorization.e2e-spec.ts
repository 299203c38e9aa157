import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { loginAs, type SignedIn } from './support/factories';
import { createTestApp, type TestApp } from './support/test-app';

interface RouteInfo {
  method: string;
  path: string;
}

interface RouterLayer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
}

/** Every route Nest registered on the Express 5 router (`app.router.stack`). */
function listRoutes(t: TestApp): RouteInfo[] {
  const express = t.app.getHttpAdapter().getInstance() as { router?: { stack?: RouterLayer[] } };
  const stack = express.router?.stack ?? [];
  const routes: RouteInfo[] = [];
  for (const layer of stack) {
    if (!layer.route) continue;
    const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
    for (const [method, enabled] of Object.entries(layer.route.methods)) {
      if (!enabled || method === '_all') continue;
      for (const path of paths) routes.push({ method: method.toUpperCase(), path });
    }
  }
  return routes;
}

const PUBLIC_ROUTES = new Set([
  '/health/live',
  '/health/ready',
  '/api/v1/auth/login',
  '/api/v1/auth/refresh',
  // The public AR viewer (HTML page and its allowlisted static files): test/ar-viewer.e2e-spec.ts.
  '/ar/:slug',
  '/ar/static/:file',
  // Public AR assets and the mobile API (published portraits only, no personal data): test/ar-orders.e2e-spec.ts.
  '/ar/:slug/target.mind',
  '/ar/:slug/preview.webp',
  '/ar/:slug/poster.webp',
  '/ar/:slug/video',
  '/api/v1/mobile/ar/:slug',
  '/api/v1/mobile/ar/:slug/events',
]);

/** `/metrics` has its own bearer token (METRICS_TOKEN) and answers 404 while it is unset: test/metrics.e2e-spec.ts. */
const OWN_TOKEN_ROUTES = new Set(['/metrics']);

function isPublic(path: string): boolean {
  return PUBLIC_ROUTES.has(path) || OWN_TOKEN_ROUTES.has(path) || path === '/api/docs' || path.startsWith('/api/docs');
}

function concretePath(path: string): string {
  return path.replace(/:[A-Za-z0-9_]+/g, () => randomUUID());
}

function send(t: TestApp, route: RouteInfo, headers: Record<string, string> = {}): Promise<Response> {
  const path = concretePath(route.path);
  const method = route.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete' | 'head' | 'options';
  let request = t.http[method](path);
  for (const [name, value] of Object.entries(headers)) request = request.set(name, value);
  return ['POST', 'PUT', 'PATCH'].includes(route.method) ? request.send({}) : request;
}

function expectError(response: Response, status: number, label: string): void {
  expect(response.status, label).toBe(status);
  expect(response.headers['content-type'], label).toMatch(/^application\/json/);
  const body = JSON.parse(response.text) as Record<string, unknown>;
  expect(body, label).toMatchObject({ statusCode: status, error: expect.any(String), message: expect.any(String) });
  expect(body.requestId, label).toBe(response.headers['x-request-id']);
}

describe('authorization', () => {
  let t: TestApp;
  let routes: RouteInfo[];
  beforeAll(async () => {
    t = await createTestApp();
    routes = listRoutes(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('finds the registered routes, the known public ones among them', () => {
    expect(routes.length).toBeGreaterThanOrEqual(10);
    const keys = routes.map((route) => `${route.method} ${route.path}`);
    expect(keys).toEqual(
      expect.arrayContaining([
        'GET /health/live',
        'POST /api/v1/auth/login',
        'GET /api/v1/auth/me',
        'GET /api/v1/users',
        'PATCH /api/v1/users/:id',
        'GET /api/v1/audit-events',
      ]),
    );
  });

  it('answers every non-public route with a 401 JSON error without a token', async () => {
    const protectedRoutes = routes.filter((route) => !isPublic(route.path) && route.method !== 'HEAD');
    expect(protectedRoutes.length).toBeGreaterThanOrEqual(8);
    for (const route of protectedRoutes) {
      const label = `${route.method} ${route.path}`;
      expectError(await send(t, route), 401, label);
      expectError(await send(t, route, { Authorization: 'Bearer not-a-jwt' }), 401, `${label} (garbage token)`);
      expectError(await send(t, route, { Authorization: 'Basic YWRtaW46YWRtaW4=' }), 401, `${label} (basic auth)`);
    }
  });

  it('keeps the public routes reachable without a token', async () => {
    const live = await t.http.get('/health/live');
    expect(live.status).toBe(200);
    const login = await t.http.post('/api/v1/auth/login').send({});
    expect(login.status).toBe(400);
    const viewer = await t.http.get('/ar/unknown-slug');
    expect(viewer.status).toBe(404);
    expect(viewer.headers['content-type']).toMatch(/^text\/html/);
  });

  describe('admin-only routes', () => {
    let manager: SignedIn;
    let viewer: SignedIn;
    let adminOnly: RouteInfo[];
    beforeAll(async () => {
      manager = await loginAs(t, 'manager');
      viewer = await loginAs(t, 'viewer');
      adminOnly = routes.filter(
        (route) => route.method !== 'HEAD' && (route.path.startsWith('/api/v1/users') || route.path === '/api/v1/audit-events'),
      );
    });

    it('covers the users and audit routes', () => {
      expect(adminOnly.length).toBeGreaterThanOrEqual(7);
    });

    it.each(['manager', 'viewer'] as const)('answers every one with 403 to a %s', async (role) => {
      const user = role === 'manager' ? manager : viewer;
      for (const route of adminOnly) {
        const response = await send(t, route, user.auth);
        expectError(response, 403, `${route.method} ${route.path} as ${role}`);
        expect(response.body.error).toBe('FORBIDDEN');
      }
      const stillThere = await t.http.get('/api/v1/auth/me').set(user.auth);
      expect(stillThere.status).toBe(200);
    });
  });
});
