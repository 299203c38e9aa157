import { connect } from 'node:net';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Response } from 'supertest';
import { normalizeError } from '../src/security/exception.filter';
import { acceptOrCreateRequestId } from '../src/security/request-id';
import { createTestApp, type TestApp } from './support/test-app';

const CSP = "default-src 'none';base-uri 'none';form-action 'none';frame-ancestors 'none'";
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function expectSecurityHeaders(response: Response): void {
  const csp = response.headers['content-security-policy'] as string | string[] | undefined;
  expect(typeof csp, 'exactly one content-security-policy header').toBe('string');
  expect(csp).toBe(CSP);
  expect(response.headers['strict-transport-security']).toBe('max-age=63072000; includeSubDomains');
  expect(response.headers['x-content-type-options']).toBe('nosniff');
  expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
  expect(response.headers['referrer-policy']).toBe('no-referrer');
  expect(response.headers['x-powered-by']).toBeUndefined();
  expect(response.headers['x-request-id']).toEqual(expect.any(String));
  expect((response.headers['x-request-id'] as string).length).toBeGreaterThan(0);
}

function expectErrorBody(response: Response, status: number): void {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const body = JSON.parse(response.text) as Record<string, unknown>;
  expect(body).toMatchObject({ statusCode: status, error: expect.any(String), message: expect.any(String) });
  expect(body.requestId).toBe(response.headers['x-request-id']);
}

/** Sends raw bytes (for requests supertest cannot form) and returns the raw answer. */
async function rawRequest(server: Server, payload: string): Promise<string> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (data += chunk));
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
    socket.setTimeout(5_000, () => {
      socket.destroy();
      resolve(data);
    });
    socket.write(payload);
  });
}

function nested(depth: number, open: string, close: string, leaf = '1'): string {
  return open.repeat(depth) + leaf + close.repeat(depth);
}

describe('http security', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('security headers and the error contract', () => {
    it('sets the headers on a 200', async () => {
      const response = await t.http.get('/health/live');
      expect(response.status).toBe(200);
      expectSecurityHeaders(response);
    });

    it('sets the headers on a 401 with a JSON error body', async () => {
      const response = await t.http.get('/api/v1/auth/me');
      expectSecurityHeaders(response);
      expectErrorBody(response, 401);
      expect(response.body.error).toBe('UNAUTHORIZED');
    });

    it('sets the headers on a 404 with a JSON error body', async () => {
      const response = await t.http.get('/nope');
      expectSecurityHeaders(response);
      expectErrorBody(response, 404);
      expect(response.body.message).toBe('Resource not found');
    });

    it('sets the headers on a 413 with a JSON error body', async () => {
      const big = JSON.stringify({ email: 'a@example.com', password: 'x'.repeat(1024 * 1024 + 10) });
      const response = await t.http.post('/api/v1/auth/login').set('Content-Type', 'application/json').send(big);
      expectSecurityHeaders(response);
      expectErrorBody(response, 413);
      expect(response.body.error).toBe('PAYLOAD_TOO_LARGE');
    });

    it('sets the headers on a 429 with a JSON error body', async () => {
      const limited = await createTestApp({ env: { GLOBAL_RATE_LIMIT: '3/minute' } });
      try {
        const statuses: number[] = [];
        let last: Response | undefined;
        for (let i = 0; i < 4; i += 1) {
          last = await limited.http.get('/api/v1/auth/me');
          statuses.push(last.status);
        }
        expect(statuses).toEqual([401, 401, 401, 429]);
        expectSecurityHeaders(last!);
        expectErrorBody(last!, 429);
        expect(last!.body.error).toBe('RATE_LIMITED');
        expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
      } finally {
        await limited.close();
      }
    });
  });

  describe('CORS', () => {
    let c: TestApp;
    const allowed = 'https://admin.example.com';
    beforeAll(async () => {
      c = await createTestApp({ env: { CORS_ORIGINS: allowed } });
    });
    afterAll(async () => {
      await c?.close();
    });

    it('echoes an allowed origin exactly and varies on Origin', async () => {
      const response = await c.http.get('/health/live').set('Origin', allowed);
      expect(response.status).toBe(200);
      expect(response.headers['access-control-allow-origin']).toBe(allowed);
      expect(String(response.headers.vary)).toMatch(/\bOrigin\b/);
      expect(response.headers['access-control-allow-credentials']).toBeUndefined();
    });

    it.each(['https://evil.example', 'null', 'https://admin.example.com.evil.example', 'http://admin.example.com'])(
      'gives no ACAO to origin %s',
      async (origin) => {
        const response = await c.http.get('/health/live').set('Origin', origin);
        expect(response.status).toBe(200);
        expect(response.headers['access-control-allow-origin']).toBeUndefined();
        expect(String(response.headers.vary)).toMatch(/\bOrigin\b/);
      },
    );

    it('answers a preflight from the allowed origin with the methods', async () => {
      const response = await c.http
        .options('/api/v1/auth/login')
        .set('Origin', allowed)
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'content-type,authorization');
      expect(response.status).toBe(204);
      expect(response.headers['access-control-allow-origin']).toBe(allowed);
      const methods = String(response.headers['access-control-allow-methods'])
        .split(',')
        .map((m) => m.trim());
      expect(methods).toEqual(expect.arrayContaining(['GET', 'POST', 'PATCH', 'DELETE']));
      expect(String(response.headers['access-control-allow-headers']).toLowerCase()).toContain('authorization');
    });

    it('gives no ACAO to a preflight from another origin', async () => {
      const response = await c.http
        .options('/api/v1/auth/login')
        .set('Origin', 'https://evil.example')
        .set('Access-Control-Request-Method', 'POST');
      expect(response.status).toBeLessThan(500);
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
    });
  });

  describe('request id', () => {
    it('makes a UUID v4 when none is sent', async () => {
      const response = await t.http.get('/health/live');
      expect(response.headers['x-request-id']).toMatch(UUID_V4);
    });

    it('echoes a well-formed incoming id, also in the error body and the logs', async () => {
      const id = `abc-12345.x_y`;
      const response = await t.http.get('/api/v1/auth/me').set('X-Request-ID', id);
      expect(response.headers['x-request-id']).toBe(id);
      expect(response.body.requestId).toBe(id);
      await vi.waitFor(() => expect(t.logs.entries.some((entry) => entry.requestId === id)).toBe(true), { timeout: 3_000 });
    });

    it.each([
      ['1000 characters', 'a'.repeat(1000)],
      ['spaces and markup', 'abc def <script>alert(1)</script>'],
      ['too short', 'abc'],
    ])('replaces an unsafe incoming id (%s) with a UUID', async (_label, value) => {
      const response = await t.http.get('/api/v1/auth/me').set('X-Request-ID', value);
      expect(response.headers['x-request-id']).toMatch(UUID_V4);
      expect(response.body.requestId).toBe(response.headers['x-request-id']);
      expect(t.logs.text()).not.toContain('<script>');
    });

    it('acceptOrCreateRequestId refuses CR/LF, arrays and empty values', () => {
      expect(acceptOrCreateRequestId('a\r\nX: y')).toMatch(UUID_V4);
      expect(acceptOrCreateRequestId('abcdefgh\r\nX-Injected: y')).toMatch(UUID_V4);
      expect(acceptOrCreateRequestId('abcdefgh\n')).toMatch(UUID_V4);
      expect(acceptOrCreateRequestId(['abc-12345', 'def-12345'])).toMatch(UUID_V4);
      expect(acceptOrCreateRequestId('')).toMatch(UUID_V4);
      expect(acceptOrCreateRequestId(undefined)).toMatch(UUID_V4);
      expect(acceptOrCreateRequestId('abc-12345.x_y')).toBe('abc-12345.x_y');
    });
  });

  describe('methods', () => {
    it('answers TRACE with a 405 JSON error', async () => {
      const response = await t.http.trace('/');
      expectSecurityHeaders(response);
      expectErrorBody(response, 405);
      expect(response.body.error).toBe('METHOD_NOT_ALLOWED');
      expect(response.headers.allow).toContain('GET');
    });

    it.each(['PROPFIND', 'CONNECT', 'PURGE'])('answers %s with 405', async (method) => {
      const server = createServer(t.app.getHttpAdapter().getInstance());
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const target = method === 'CONNECT' ? '127.0.0.1:80' : '/api/v1/auth/me';
        const raw = await rawRequest(server, `${method} ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
        if (method === 'CONNECT') {
          // Node hands CONNECT to the 'connect' event; with no listener the socket is closed without a 5xx.
          expect(raw).not.toMatch(/^HTTP\/1\.1 5/);
        } else {
          expect(raw).toMatch(/^HTTP\/1\.1 405/);
          expect(raw).toContain('"error":"METHOD_NOT_ALLOWED"');
        }
      } finally {
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    });

    it('rejects a method Node does not know before it reaches the app, without a 5xx', async () => {
      const server = createServer(t.app.getHttpAdapter().getInstance());
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const raw = await rawRequest(server, `FOOBAR /health/live HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
        expect(raw).toMatch(/^HTTP\/1\.1 4\d\d/);
      } finally {
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    });
  });

  describe('JSON bodies', () => {
    it('answers malformed JSON with a generic 400', async () => {
      const response = await t.http
        .post('/api/v1/auth/login')
        .set('Content-Type', 'application/json')
        .send('{"email": "a@b.co", "password": ');
      expectErrorBody(response, 400);
      expect(response.body.error).toBe('MALFORMED_JSON');
      expect(response.text).not.toMatch(/position|Unexpected token|Unexpected end|SyntaxError|at JSON/i);
    });

    it('answers a text/plain body with 415', async () => {
      const response = await t.http.post('/api/v1/auth/login').set('Content-Type', 'text/plain').send('{"email":"a@b.co","password":"x"}');
      expectErrorBody(response, 415);
      expect(response.body.error).toBe('UNSUPPORTED_MEDIA_TYPE');
    });

    it('answers application/json; charset=utf-7 with 415', async () => {
      const response = await t.http
        .post('/api/v1/auth/login')
        .set('Content-Type', 'application/json; charset=utf-7')
        .send('{"email":"a@b.co","password":"x"}');
      expectErrorBody(response, 415);
      expect(response.body.error).toBe('UNSUPPORTED_MEDIA_TYPE');
    });

    it.each(['application/json; charset=utf-8', 'application/json; charset="UTF-8"', 'application/json'])(
      'still accepts %s',
      async (contentType) => {
        const response = await t.http
          .post('/api/v1/auth/login')
          .set('Content-Type', contentType)
          .send('{"email":"nobody@example.com","password":"Wrong-password-123"}');
        expectErrorBody(response, 401);
        expect(response.body.error).toBe('INVALID_CREDENTIALS');
      },
    );

    it.each(['application/json; charset=utf-16', 'application/json; charset=iso-8859-1', 'application/x-www-form-urlencoded'])(
      'refuses %s with 415',
      async (contentType) => {
        const response = await t.http.post('/api/v1/auth/login').set('Content-Type', contentType).send('{"email":"a@b.co","password":"x"}');
        expectErrorBody(response, 415);
        expect(response.body.error).toBe('UNSUPPORTED_MEDIA_TYPE');
      },
    );

    it.each([
      ['arrays', nested(10_000, '[', ']')],
      ['objects', nested(10_000, '{"a":', '}')],
    ])('answers 10 000-level nested %s with 400, never 500', async (_label, body) => {
      const response = await t.http.post('/api/v1/auth/login').set('Content-Type', 'application/json').send(body);
      expectErrorBody(response, 400);
      expect(response.body.error).toBe('BAD_REQUEST');
      expect(response.body.message).toMatch(/nesting is deeper/);
    });

    it.each([
      ['__proto__', '{"__proto__":{"x":1}}'],
      ['nested __proto__', '{"email":"a@b.co","meta":{"__proto__":{"x":1}}}'],
      ['constructor.prototype', '{"constructor":{"prototype":{"x":1}}}'],
    ])('refuses a %s key with 400 and does not pollute Object.prototype', async (_label, body) => {
      const response = await t.http.post('/api/v1/auth/login').set('Content-Type', 'application/json').send(body);
      expectErrorBody(response, 400);
      expect(({} as Record<string, unknown>).x).toBeUndefined();
      expect((Object.prototype as unknown as Record<string, unknown>).x).toBeUndefined();
    });

    it('refuses a prototype-polluting query key', async () => {
      const response = await t.http.get('/api/v1/auth/me?__proto__[x]=1');
      expectErrorBody(response, 400);
      expect(({} as Record<string, unknown>).x).toBeUndefined();
    });
  });

  describe('unexpected errors', () => {
    it('are generic: no internal message reaches the client', () => {
      const normalized = normalizeError(new Error('SELECT secret FROM x'));
      expect(normalized.status).toBe(500);
      expect(normalized.error).toBe('INTERNAL_ERROR');
      expect(normalized.message).toBe('Internal server error');
      expect(JSON.stringify({ ...normalized, unexpected: undefined })).not.toContain('secret');
    });

    it('are generic for non-Error throwables and http errors with a 5xx status', () => {
      expect(normalizeError('boom')).toMatchObject({ status: 500, message: 'Internal server error' });
      expect(normalizeError({ status: 502, message: 'upstream at 10.0.0.1' })).toMatchObject({
        status: 500,
        message: 'Internal server error',
      });
      expect(normalizeError(null)).toMatchObject({ status: 500, message: 'Internal server error' });
    });
  });
});
