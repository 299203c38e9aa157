import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { loginAs, makeCompany, makeUser, strongPassword, type SignedIn, type TestUser } from './support/factories';
import { createTestApp, type TestApp } from './support/test-app';

interface RouterLayer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
}

interface BodyRoute {
  method: 'POST' | 'PUT' | 'PATCH';
  path: string;
  /** Top-level properties of the request body from the OpenAPI document; null when the route takes no body. */
  properties: Record<string, { type?: string; format?: string; enum?: unknown[]; maxLength?: number }> | null;
}

interface Case {
  label: string;
  /** A raw body string, sent as is. */
  raw: string;
  contentType?: string;
  /** The field the answer must name in `details` (semantic cases). */
  field?: string;
  /** Not JSON at all (or not an object/array): must be answered MALFORMED_JSON. */
  malformed?: boolean;
}

type OpenApi = {
  paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: { $ref?: string } }> } }>>;
  components: { schemas: Record<string, { properties?: BodyRoute['properties'] }> };
};

const PUBLIC_ROUTES = new Set(['/api/v1/auth/login', '/api/v1/auth/refresh', '/api/v1/mobile/ar/:slug/events']);

/** POST/PUT/PATCH routes from the Express 5 router, with their body schema from the OpenAPI document. */
function listBodyRoutes(t: TestApp, openApi: OpenApi): BodyRoute[] {
  const express = t.app.getHttpAdapter().getInstance() as { router?: { stack?: RouterLayer[] } };
  const routes: BodyRoute[] = [];
  for (const layer of express.router?.stack ?? []) {
    if (!layer.route) continue;
    const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
    for (const [method, enabled] of Object.entries(layer.route.methods)) {
      const upper = method.toUpperCase();
      if (!enabled || !['POST', 'PUT', 'PATCH'].includes(upper)) continue;
      for (const path of paths) {
        const operation = openApi.paths[path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')]?.[method];
        const ref = operation?.requestBody?.content?.['application/json']?.schema?.$ref;
        const properties = ref ? (openApi.components.schemas[ref.split('/').pop()!]?.properties ?? {}) : null;
        routes.push({ method: upper as BodyRoute['method'], path, properties });
      }
    }
  }
  return routes;
}

function nested(depth: number, open: string, close: string): string {
  return open.repeat(depth) + '1' + close.repeat(depth);
}

/** Transport-level cases: apply to every body-taking route, with or without a DTO. */
function transportCases(base: Record<string, unknown>): Case[] {
  const json = JSON.stringify(base);
  return [
    { label: 'malformed JSON', raw: json.slice(0, -1) + ',', malformed: true },
    { label: 'truncated JSON', raw: '{"a":', malformed: true },
    { label: 'single-quoted JSON', raw: "{'a': 1}", malformed: true },
    { label: 'top-level string', raw: '"just a string"', malformed: true },
    { label: 'top-level number', raw: '42', malformed: true },
    { label: 'top-level null', raw: 'null', malformed: true },
    { label: 'text/plain', raw: json, contentType: 'text/plain' },
    { label: 'form-urlencoded', raw: 'email=a%40b.co&password=x', contentType: 'application/x-www-form-urlencoded' },
    { label: 'xml', raw: '<a>1</a>', contentType: 'application/xml' },
    { label: 'charset utf-7', raw: json, contentType: 'application/json; charset=utf-7' },
    { label: '__proto__ key', raw: `{"__proto__":{"polluted":1},${json.slice(1)}` },
    { label: 'nested __proto__ key', raw: `{"meta":{"__proto__":{"polluted":1}},${json.slice(1)}` },
    { label: 'constructor.prototype', raw: `{"constructor":{"prototype":{"polluted":1}},${json.slice(1)}` },
    { label: '10 000-level arrays', raw: nested(10_000, '[', ']') },
    { label: '10 000-level objects', raw: nested(10_000, '{"a":', '}') },
    { label: '> 1 MB body', raw: JSON.stringify({ ...base, padding: 'x'.repeat(1024 * 1024 + 100) }) },
  ];
}

/** Semantic cases: unknown fields, type confusion and over-long values, one field at a time on a valid base body. */
function semanticCases(base: Record<string, unknown>, properties: NonNullable<BodyRoute['properties']>): Case[] {
  const cases: Case[] = [
    { label: 'unknown top-level field', raw: JSON.stringify({ ...base, isAdmin: true }), field: 'isAdmin' },
    { label: 'nested unknown field', raw: JSON.stringify({ ...base, meta: { x: 1 } }), field: 'meta' },
    { label: 'top-level array of the body', raw: JSON.stringify([base]) },
    { label: 'empty array', raw: '[]' },
  ];
  for (const [name, schema] of Object.entries(properties)) {
    const confusions: Array<[string, unknown]> = [
      ['array', ['a']],
      ['operator object', { $ne: null }],
      ['nested object', { value: 'a' }],
    ];
    if (schema.type === 'boolean') confusions.push(['string', 'true'], ['number', 1]);
    else if (schema.type === 'number' || schema.type === 'integer') confusions.push(['boolean', true], ['numeric string', '12345']);
    else confusions.push(['boolean', true], ['number', 12345]);
    for (const [kind, value] of confusions) {
      cases.push({ label: `${name} as ${kind}`, raw: JSON.stringify({ ...base, [name]: value }), field: name });
    }
    if (schema.type === 'string') {
      const long =
        schema.format === 'password'
          ? 'Aa1-'.repeat(2_560)
          : name === 'email'
            ? `${'a'.repeat(300)}@example.com`
            : 'a'.repeat(Math.max(300, (schema.maxLength ?? 0) + 1));
      cases.push({ label: `${name} over-long (${long.length} chars)`, raw: JSON.stringify({ ...base, [name]: long }), field: name });
      // Passwords are taken as typed (any character); every other string field refuses control characters.
      if (schema.format !== 'password') {
        cases.push({ label: `${name} with a NUL byte`, raw: JSON.stringify({ ...base, [name]: 'ab\u0000cd' }), field: name });
        cases.push({ label: `${name} with a bidi override`, raw: JSON.stringify({ ...base, [name]: 'ab\u202ecd' }), field: name });
      }
    }
  }
  return cases;
}

function expectClientError(response: Response, label: string): void {
  expect(response.status, label).toBeGreaterThanOrEqual(400);
  expect(response.status, label).toBeLessThan(500);
  expect(response.headers['content-type'], label).toMatch(/^application\/json/);
  const body = JSON.parse(response.text) as Record<string, unknown>;
  expect(body, label).toMatchObject({ statusCode: response.status, error: expect.any(String), message: expect.any(String) });
  expect(body.requestId, label).toBe(response.headers['x-request-id']);
  expect(response.text, label).not.toMatch(
    /Unexpected (token|end|non-whitespace)|position \d|in JSON|SyntaxError|QueryFailed|stack|at Object\./,
  );
}

describe('bad input corpus', () => {
  let t: TestApp;
  let admin: SignedIn;
  let target: TestUser;
  let companyId: string;
  let routes: BodyRoute[];

  beforeAll(async () => {
    t = await createTestApp();
    admin = await loginAs(t, 'admin');
    companyId = (await makeCompany(t)).id;
    target = await makeUser(t, { role: 'viewer', companyId });
    const docs = await t.http.get('/api/docs-json');
    expect(docs.status).toBe(200);
    routes = listBodyRoutes(t, docs.body as OpenApi);
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Valid bodies, so that each case differs from an acceptable request in one respect only. */
  function baseBody(route: BodyRoute): Record<string, unknown> {
    switch (`${route.method} ${route.path}`) {
      case 'POST /api/v1/auth/login':
        return { email: 'nobody-bad-input@example.com', password: 'Wrong-password-123' };
      case 'POST /api/v1/auth/refresh':
        return { refreshToken: 'A'.repeat(43) };
      case 'POST /api/v1/auth/change-password':
        return { currentPassword: 'Wrong-password-123', newPassword: strongPassword() };
      case 'POST /api/v1/users':
        return {
          email: `new-${randomUUID().slice(0, 8)}@example.com`,
          fullName: 'New Person',
          role: 'viewer',
          companyId,
          password: strongPassword(),
        };
      case 'PATCH /api/v1/users/:id':
        return { fullName: 'Renamed Person' };
      case 'POST /api/v1/storage-connections':
        return {
          name: `Bucket ${randomUUID().slice(0, 8)}`,
          type: 's3',
          endpoint: 'https://s3.example.com',
          region: 'us-east-1',
          bucket: 'vertex-media',
          accessKeyId: 'AKIAEXAMPLEEXAMPLE',
          secretAccessKey: 'example-secret-access-key',
          forcePathStyle: true,
          basePath: 'vertex-ar',
        };
      case 'PATCH /api/v1/storage-connections/:id':
        return { name: 'Renamed Connection' };
      case 'POST /api/v1/companies':
        return { name: `Corpus ${randomUUID().slice(0, 8)}`, city: 'Kazan', storage: { type: 'local' } };
      case 'PATCH /api/v1/companies/:id':
        return { city: 'Kazan' };
      case 'POST /api/v1/companies/:companyId/clients':
        return { name: 'Corpus Client', phone: '+79990000000', email: 'client@example.com' };
      case 'PATCH /api/v1/companies/:companyId/clients/:clientId':
        return { name: 'Renamed Client' };
      case 'PUT /api/v1/mail/settings':
        return {
          host: 'smtp.example.com',
          port: 587,
          security: 'starttls',
          username: 'mailer@example.com',
          password: strongPassword(),
          fromAddress: 'no-reply@example.com',
          fromName: 'Vertex AR',
          defaultLocale: 'en',
          enabled: true,
        };
      case 'POST /api/v1/backups':
        return { kind: 'database' };
      case 'POST /api/v1/mail/test':
        return { to: 'someone@example.com' };
      case 'PUT /api/v1/mail/templates/:key':
        return { locale: 'en', subject: 'Hello {{clientName}}', html: '<p>Hello {{clientName}}</p>', text: 'Hello {{clientName}}' };
      case 'POST /api/v1/mail/templates/:key/preview':
        return { variables: { clientName: 'Anna' }, locale: 'en' };
      case 'PATCH /api/v1/companies/:companyId/portraits/:portraitId':
        return { title: 'Renamed portrait', subscriptionEndsAt: '2030-01-01T00:00:00Z' };
      case 'PATCH /api/v1/companies/:companyId/portraits/:portraitId/videos/:videoId/schedule':
        return { startsAt: '2030-01-01T00:00:00Z', endsAt: '2030-02-01T00:00:00Z', rotation: 'none' };
      case 'POST /api/v1/mobile/ar/:slug/events':
        return { type: 'view', sessionId: 'corpus-session-1', platform: 'web', appVersion: '1.0.0', scanTimeMs: 500 };
      default:
        return {};
    }
  }

  async function snapshot(): Promise<unknown> {
    const [row] = (await t.db.query(`
      SELECT (SELECT count(*) FROM users)::int AS users,
             (SELECT md5(coalesce(string_agg(u::text, '|' ORDER BY u.id), '')) FROM users u) AS users_hash,
             (SELECT count(*) FROM auth_sessions)::int AS sessions,
             (SELECT count(*) FROM auth_sessions WHERE revoked_at IS NOT NULL)::int AS revoked_sessions,
             (SELECT count(*) FROM auth_refresh_tokens)::int AS refresh_tokens,
             (SELECT count(*) FROM storage_connections)::int AS storage_connections,
             (SELECT count(*) FROM companies)::int AS companies,
             (SELECT count(*) FROM clients)::int AS clients,
             (SELECT count(*) FROM mail_settings)::int AS mail_settings,
             (SELECT count(*) FROM mail_templates)::int AS mail_templates,
             (SELECT count(*) FROM mail_outbox)::int AS mail_outbox
    `)) as unknown[];
    return row;
  }

  it('finds the body-taking routes and knows the bodies of the main ones', () => {
    const keys = routes.map((route) => `${route.method} ${route.path}`);
    expect(keys).toEqual(
      expect.arrayContaining(['POST /api/v1/auth/login', 'POST /api/v1/auth/refresh', 'POST /api/v1/users', 'PATCH /api/v1/users/:id']),
    );
    expect(routes.length).toBeGreaterThanOrEqual(5);
    for (const route of routes.filter((r) => r.properties !== null)) {
      expect(Object.keys(baseBody(route)), `${route.method} ${route.path} needs a base body in this test`).not.toHaveLength(0);
    }
  });

  it('answers the whole corpus with 4xx JSON errors and writes nothing', async () => {
    const before = await snapshot();
    let sent = 0;
    for (const route of routes) {
      const base = baseBody(route);
      const cases = [...transportCases(base), ...(route.properties ? semanticCases(base, route.properties) : [])];
      const path = route.path.replace(/:id\b/g, target.id).replace(/:[A-Za-z0-9_]+/g, () => randomUUID());
      for (const testCase of cases) {
        const label = `${route.method} ${route.path}: ${testCase.label}`;
        let request = t.http[route.method.toLowerCase() as 'post' | 'put' | 'patch'](path).set(
          'Content-Type',
          testCase.contentType ?? 'application/json',
        );
        if (!PUBLIC_ROUTES.has(route.path)) request = request.set(admin.auth);
        const response = await request.send(testCase.raw);
        sent += 1;
        expectClientError(response, label);
        if (testCase.malformed) expect(response.body.error, label).toBe('MALFORMED_JSON');
        if (testCase.label === '> 1 MB body') expect(response.status, label).toBe(413);
        if (['text/plain', 'form-urlencoded', 'xml', 'charset utf-7'].includes(testCase.label)) expect(response.status, label).toBe(415);
        if (testCase.field) {
          expect(response.status, label).toBe(400);
          expect(response.body.error, label).toBe('VALIDATION_FAILED');
          const fields = ((response.body.details ?? []) as Array<{ field?: string }>).map((detail) => detail.field);
          expect(
            fields.some((field) => field === testCase.field || field?.startsWith(`${testCase.field}.`)),
            `${label}: ${JSON.stringify(fields)}`,
          ).toBe(true);
        }
      }
    }
    expect(sent).toBeGreaterThan(100);
    expect(await snapshot()).toEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const me = await t.http.get('/api/v1/auth/me').set(admin.auth);
    expect(me.status, 'the admin session survived the corpus').toBe(200);
  });
});
