import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestApp, type TestApp } from './support/test-app';

/**
 * The project's nginx configuration for real: nginx/nginx.conf.template rendered for local ports, in front
 * of a real app instance (TRUST_PROXY_HOPS=1), checked from the outside over HTTPS.
 * `.ci/run` installs Debian's nginx; without it the file is skipped with the reason below.
 */
const ROOT = process.cwd();
const NGINX = spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' }).stdout.trim();
const OPENSSL = spawnSync('sh', ['-c', 'command -v openssl'], { encoding: 'utf8' }).stdout.trim();
const SKIP_REASON = !NGINX ? 'nginx is not installed (apt-get install nginx)' : !OPENSSL ? 'openssl is not installed' : '';

const API_CSP = "default-src 'none';base-uri 'none';form-action 'none';frame-ancestors 'none'";
const NGINX_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const HSTS = 'max-age=63072000; includeSubDomains';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  raw: string[];
  body: string;
}

interface Call {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Source address of the connection (any 127/8 address is local on Linux). */
  from?: string;
  /** Send only the headers (a declared Content-Length without the body) and read the answer. */
  headersOnly?: boolean;
}

function count(reply: Reply, name: string): number {
  return reply.raw.filter((_value, i) => i % 2 === 0 && reply.raw[i].toLowerCase() === name).length;
}

function call(scheme: 'http' | 'https', port: number, path: string, options: Call = {}): Promise<Reply> {
  const lib = scheme === 'https' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        headers: options.headers,
        localAddress: options.from ?? '127.0.0.1',
        rejectUnauthorized: false,
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, raw: res.rawHeaders, body });
          req.destroy();
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error(`timeout: ${options.method ?? 'GET'} ${path}`)));
    req.on('error', reject);
    if (options.headersOnly) req.flushHeaders();
    else req.end(options.body);
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** `openssl s_client` with one protocol version; returns whether a handshake completed. */
function handshake(port: number, args: string[]): { ok: boolean; output: string } {
  const result = spawnSync(OPENSSL, ['s_client', '-connect', `127.0.0.1:${port}`, ...args], {
    input: '',
    encoding: 'utf8',
    timeout: 10_000,
  });
  const output = `${result.stdout}\n${result.stderr}`;
  const cipher = /Cipher is (\S+)/.exec(output)?.[1];
  return { ok: result.status === 0 && cipher !== undefined && cipher !== '(NONE)', output };
}

/** nginx >= 1.25.1 takes `http2 on;`; Debian bookworm ships 1.22, which needs `listen ... http2`. */
function http2Mode(): 'directive' | 'listen' {
  const version = /nginx\/(\d+)\.(\d+)\.(\d+)/.exec(spawnSync(NGINX, ['-v'], { encoding: 'utf8' }).stderr);
  if (!version) return 'listen';
  const [major, minor, patch] = version.slice(1).map(Number);
  return major > 1 || minor > 25 || (minor === 25 && patch >= 1) ? 'directive' : 'listen';
}

function randomPublicIp(): string {
  return `${randomInt(11, 99)}.${randomInt(0, 255)}.${randomInt(0, 255)}.${randomInt(1, 254)}`;
}

interface Proxy {
  dir: string;
  httpPort: number;
  httpsPort: number;
  configTest: string;
  stop(): Promise<void>;
}

/** Renders the project's template for local ports in a temp dir and runs nginx in the foreground. */
async function startProxy(upstreamPort: number): Promise<Proxy> {
  const dir = mkdtempSync(join(tmpdir(), 'vertex-ar-nginx-'));
  // nginx workers run as an unprivileged user when the test runs as root: they must reach the temp paths.
  chmodSync(dir, 0o755);
  cpSync(join(ROOT, 'nginx/snippets'), join(dir, 'snippets'), { recursive: true });
  mkdirSync(join(dir, 'acme/.well-known/acme-challenge'), { recursive: true, mode: 0o755 });
  writeFileSync(join(dir, 'acme/.well-known/acme-challenge/token-123'), 'token-123.key-authorization');
  execFileSync(
    OPENSSL,
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );

  const [httpPort, httpsPort] = [await freePort(), await freePort()];
  const values: Record<string, string> = {
    HTTP_LISTEN: `127.0.0.1:${httpPort}`,
    HTTPS_LISTEN: `127.0.0.1:${httpsPort}`,
    UPSTREAM_SERVERS: `127.0.0.1:${upstreamPort}`,
    SSL_CERTIFICATE: join(dir, 'cert.pem'),
    SSL_CERTIFICATE_KEY: join(dir, 'key.pem'),
    PID: join(dir, 'nginx.pid'),
    TEMP_DIR: dir,
    ACCESS_LOG: join(dir, 'access.log'),
    ERROR_LOG: join(dir, 'error.log'),
    ACME_ROOT: join(dir, 'acme'),
    HTTP2: http2Mode(),
  };
  const sets = Object.entries(values).flatMap(([key, value]) => ['--set', `${key}=${value}`]);
  execFileSync(process.execPath, [join(ROOT, 'nginx/render.mjs'), '--out', join(dir, 'nginx.conf'), ...sets]);

  const args = ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')];
  const test = spawnSync(NGINX, ['-t', ...args], { encoding: 'utf8' });
  const configTest = `${test.stdout}${test.stderr}`;
  if (test.status !== 0) throw new Error(`nginx -t failed:\n${configTest}`);

  let output = '';
  const child: ChildProcess = spawn(NGINX, [...args, '-g', 'daemon off;'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  while (!(await portAnswers(httpsPort))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`nginx did not start:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { dir, httpPort, httpsPort, configTest, stop };
}

describe.skipIf(SKIP_REASON !== '')(`nginx in front of the app${SKIP_REASON ? ` (skipped: ${SKIP_REASON})` : ''}`, () => {
  let t: TestApp;
  let proxy: Proxy;
  let httpPort: number;
  let httpsPort: number;
  let appPort: number;

  beforeAll(async () => {
    t = await createTestApp({ env: { TRUST_PROXY_HOPS: '1', AUTH_RATE_LIMIT: '3/minute' } });
    await t.app.listen(0, '127.0.0.1');
    appPort = (t.app.getHttpServer().address() as AddressInfo).port;
    proxy = await startProxy(appPort);
    ({ httpPort, httpsPort } = proxy);
  });

  afterAll(async () => {
    await proxy?.stop();
    await t?.close();
  });

  it('the rendered configuration passes `nginx -t` without warnings', () => {
    expect(proxy.configTest).toMatch(/test is successful/);
    expect(proxy.configTest).not.toMatch(/\[warn\]|\[emerg\]/);
  });

  it('proxied responses carry the app headers exactly once, and Server without a version', async () => {
    const res = await call('https', httpsPort, '/health/live');
    expect(res.status).toBe(200);
    for (const name of [
      'content-security-policy',
      'strict-transport-security',
      'x-content-type-options',
      'x-frame-options',
      'referrer-policy',
      'cache-control',
      'x-request-id',
      'server',
    ]) {
      expect(count(res, name), name).toBe(1);
    }
    expect(res.headers['content-security-policy']).toBe(API_CSP);
    expect(res.headers['strict-transport-security']).toBe(HSTS);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers.server).toBe('nginx');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('responses nginx makes itself (dotfiles) are JSON with the security headers, once each', async () => {
    for (const path of ['/.env', '/.git/HEAD', '/api/v1/.htpasswd']) {
      const res = await call('https', httpsPort, path);
      expect(res.status, path).toBe(404);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(JSON.parse(res.body)).toMatchObject({ statusCode: 404, error: 'NOT_FOUND' });
      expect(count(res, 'content-security-policy')).toBe(1);
      expect(res.headers['content-security-policy']).toBe(NGINX_CSP);
      expect(res.headers['strict-transport-security']).toBe(HSTS);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['x-xss-protection']).toBe('0');
      expect(res.headers.server).toBe('nginx');
    }
  });

  it('redirects http to https on the same host with 301, without HSTS on plain http', async () => {
    const res = await call('http', httpPort, '/api/v1/companies?page=2', { headers: { Host: 'ar.example.test' } });
    expect(res.status).toBe(301);
    expect(res.headers.location).toBe('https://ar.example.test/api/v1/companies?page=2');
    expect(res.headers['strict-transport-security']).toBeUndefined();
    expect(res.headers.server).toBe('nginx');
  });

  it('serves ACME challenges over http (not redirected) and still denies other dotfiles', async () => {
    const token = await call('http', httpPort, '/.well-known/acme-challenge/token-123');
    expect(token.status).toBe(200);
    expect(token.body).toBe('token-123.key-authorization');
    expect((await call('https', httpsPort, '/.well-known/acme-challenge/token-123')).status).toBe(404);
  });

  it('refuses TLS 1.0/1.1 and weak TLS 1.2 suites, accepts TLS 1.2 (ECDHE+AEAD) and TLS 1.3', () => {
    // SECLEVEL=0 makes OpenSSL 3 willing to offer the old protocols: the refusal is then nginx's.
    const legacy = ['-cipher', 'DEFAULT:@SECLEVEL=0'];
    expect(handshake(httpsPort, ['-tls1_1', ...legacy]).ok).toBe(false);
    expect(handshake(httpsPort, ['-tls1', ...legacy]).ok).toBe(false);
    expect(handshake(httpsPort, ['-tls1_2', '-cipher', 'AES128-SHA:@SECLEVEL=0']).ok).toBe(false);
    const tls12 = handshake(httpsPort, ['-tls1_2']);
    expect(tls12.ok, tls12.output).toBe(true);
    expect(tls12.output).toMatch(/Cipher is ECDHE-ECDSA-(AES\d+-GCM-SHA\d+|CHACHA20-POLY1305)/);
    const tls13 = handshake(httpsPort, ['-tls1_3']);
    expect(tls13.ok, tls13.output).toBe(true);
  });

  it('answers 413 JSON (with headers) for a body above 1 MB on ordinary routes', async () => {
    const res = await call('https', httpsPort, '/api/v1/users', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Content-Length': String(2 * 1024 * 1024) },
      headersOnly: true,
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ statusCode: 413, error: 'PAYLOAD_TOO_LARGE' });
    expect(count(res, 'content-security-policy')).toBe(1);
    expect(res.headers['strict-transport-security']).toBe(HSTS);
  });

  it('lets uploads up to 210 MB through to the app, and refuses larger ones at the edge', async () => {
    const company = '6f1c5d5e-0c1a-4c43-9c36-1b2a3c4d5e6f';
    const multipart = { 'Content-Type': 'multipart/form-data; boundary=x' };
    const allowed = await call('https', httpsPort, `/api/v1/companies/${company}/orders`, {
      method: 'POST',
      headers: { ...multipart, 'Content-Length': String(150 * 1024 * 1024) },
      headersOnly: true,
    });
    // The app answered (no token: 401, or 404 before the route exists): not nginx's 413.
    expect(allowed.status).not.toBe(413);
    expect(allowed.headers['content-security-policy']).toBe(API_CSP);
    const tooBig = await call('https', httpsPort, `/api/v1/companies/${company}/portraits/${company}/videos`, {
      method: 'POST',
      headers: { ...multipart, 'Content-Length': String(220 * 1024 * 1024) },
      headersOnly: true,
    });
    expect(tooBig.status).toBe(413);
  });

  it('keeps /metrics away from non-loopback clients (403 JSON)', async () => {
    const outside = await call('https', httpsPort, '/metrics', { from: '127.0.0.2' });
    expect(outside.status).toBe(403);
    expect(JSON.parse(outside.body)).toMatchObject({ statusCode: 403, error: 'FORBIDDEN' });
    const local = await call('https', httpsPort, '/metrics');
    expect(local.status).not.toBe(403);
    // The app's routing ignores case; the proxy rule must too.
    for (const path of ['/METRICS', '/Metrics', '/metrics/']) {
      expect((await call('https', httpsPort, path, { from: '127.0.0.2' })).status, path).toBe(403);
    }
  });

  it('passes a well-formed X-Request-ID through and replaces a malformed one', async () => {
    const kept = await call('https', httpsPort, '/health/live', { headers: { 'X-Request-ID': 'client-id-12345' } });
    expect(kept.headers['x-request-id']).toBe('client-id-12345');
    const replaced = await call('https', httpsPort, '/health/live', { headers: { 'X-Request-ID': 'bad id <script>' } });
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
  });

  it('limit_req on /api/v1/auth/: 429 JSON from nginx after the burst (5/min, burst 10)', async () => {
    // Its own source address, so neither nginx's nor the app's buckets of the other tests are touched.
    // GET on the login route reaches the app as a 404 without using an app rate-limit budget.
    const statuses: number[] = [];
    let limited: Reply | undefined;
    for (let i = 0; i < 14 && !limited; i++) {
      const res = await call('https', httpsPort, '/api/v1/auth/login', { from: '127.0.0.3' });
      statuses.push(res.status);
      if (res.status === 429) limited = res;
    }
    expect(statuses.slice(0, 11).every((status) => status !== 429)).toBe(true);
    expect(limited, `statuses: ${statuses.join(',')}`).toBeDefined();
    expect(JSON.parse(limited!.body)).toMatchObject({ statusCode: 429, error: 'RATE_LIMITED' });
    expect(limited!.body).toMatch(/proxy limit/);
    expect(limited!.headers['retry-after']).toBe('60');
    // Only sign-in and refresh are limited by nginx: the session check of every page load is not.
    expect((await call('https', httpsPort, '/api/v1/auth/me', { from: '127.0.0.3' })).status).toBe(401);
    expect((await call('https', httpsPort, '/API/V1/AUTH/LOGIN', { from: '127.0.0.3' })).status).toBe(429);
    expect(limited!.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(count(limited!, 'content-security-policy')).toBe(1);
  });

  it('a client-sent X-Forwarded-For cannot move the app rate-limit key (RL-03)', async () => {
    // App limit: 3 logins per minute per client IP. nginx's own limit (burst 10) is not reached by 4 requests.
    const spoofed: string[] = [];
    const statuses: number[] = [];
    let last: Reply | undefined;
    for (let i = 0; i < 4; i++) {
      const ip = randomPublicIp();
      spoofed.push(ip);
      last = await call('https', httpsPort, '/api/v1/auth/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': ip },
        body: JSON.stringify({ email: `nobody-${randomBytes(4).toString('hex')}@example.com`, password: 'Wrong-password-123' }),
      });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
    // The 429 is the app's (its message and rate-limit headers), not nginx's.
    expect(JSON.parse(last!.body)).toMatchObject({ statusCode: 429, error: 'RATE_LIMITED' });
    expect(last!.body).not.toMatch(/proxy limit/);
    // nginx overwrote the header: the spoofed addresses never reached the app, not even its logs.
    const logs = t.logs.text();
    for (const ip of spoofed) expect(logs).not.toContain(ip);
    expect(t.logs.entries.some((entry) => entry.clientIp === '127.0.0.1')).toBe(true);
  });

  it('control: straight to the app (no nginx), the same trick does move the key, so the check above means something', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await call('http', appPort, '/api/v1/auth/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': randomPublicIp() },
        body: JSON.stringify({ email: `nobody-${randomBytes(4).toString('hex')}@example.com`, password: 'Wrong-password-123' }),
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([401, 401, 401, 401]);
  });

  it('wrote JSON access-log lines with the request id and without query strings', () => {
    const lines = readFileSync(join(proxy.dir, 'access.log'), 'utf8').trim().split('\n');
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries.some((entry) => entry.requestId === 'client-id-12345')).toBe(true);
    expect(lines.join('\n')).not.toContain('page=2');
  });
});

describe.skipIf(SKIP_REASON !== '')(`what nginx forwards to the app${SKIP_REASON ? ` (skipped: ${SKIP_REASON})` : ''}`, () => {
  // An upstream that records the request headers it receives, so the proxy contract is checked directly.
  const seen: http.IncomingHttpHeaders[] = [];
  const echo = http.createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(200, { 'Content-Type': 'application/json', Connection: 'close' });
    res.end(JSON.stringify({ ok: true }));
    req.resume();
  });
  let proxy: Proxy;

  beforeAll(async () => {
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    proxy = await startProxy((echo.address() as AddressInfo).port);
  });

  afterAll(async () => {
    await proxy?.stop();
    await new Promise((resolve) => echo.close(resolve));
  });

  it('overwrites X-Forwarded-For with the peer address and drops client-sent forwarding headers', async () => {
    seen.length = 0;
    const res = await call('https', proxy.httpsPort, '/api/v1/anything', {
      headers: {
        Host: 'ar.example.test',
        'X-Forwarded-For': '203.0.113.7, 198.51.100.1',
        'X-Real-IP': '203.0.113.7',
        'X-Forwarded-Proto': 'http',
        'X-Forwarded-Host': 'evil.example',
        'X-Forwarded-Port': '1',
        Forwarded: 'for=203.0.113.7;proto=http',
      },
    });
    expect(res.status).toBe(200);
    expect(seen).toHaveLength(1);
    const headers = seen[0];
    expect(headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(headers['x-real-ip']).toBe('127.0.0.1');
    expect(headers['x-forwarded-proto']).toBe('https');
    expect(headers['x-forwarded-host']).toBe('ar.example.test');
    expect(headers.host).toBe('ar.example.test');
    expect(headers['x-forwarded-port']).toBeUndefined();
    expect(headers.forwarded).toBeUndefined();
    expect(headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
  });

  it('streams upload bodies (proxy_request_buffering off): the app sees the request before the body arrives', async () => {
    seen.length = 0;
    const res = await call('https', proxy.httpsPort, '/api/v1/companies/c1/portraits/p1/videos', {
      method: 'POST',
      headers: { 'Content-Type': 'multipart/form-data; boundary=x', 'Content-Length': String(150 * 1024 * 1024) },
      headersOnly: true,
    });
    expect(res.status).toBe(200);
    expect(seen).toHaveLength(1);
  });

  it('buffers ordinary bodies: a request whose body never comes does not reach the app', async () => {
    seen.length = 0;
    const pending = call('https', proxy.httpsPort, '/api/v1/users', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Content-Length': '1000' },
      headersOnly: true,
    }).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(seen).toHaveLength(0);
    void pending;
  });
});
