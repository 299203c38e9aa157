// Foundation benchmarks: cold start (external and embedded PostgreSQL), GET /api/v1/auth/me throughput with
// and without the throttler, and login latency (argon2id cost). Run after `npm run build`:
//   node bench/foundation.mjs            (uses postgres://postgres@127.0.0.1:5432 for the external case)
// Results are printed as JSON lines and summarised in bench/RESULTS.md by hand.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';

const ROOT = new URL('..', import.meta.url).pathname;
const ADMIN_URL = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function sql(url, text) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

function startApp(env, cwd) {
  const started = performance.now();
  const child = spawn(process.execPath, [join(ROOT, 'dist/src/main.js')], {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const ready = (async () => {
    for (let i = 0; i < 600; i++) {
      try {
        const response = await fetch(`http://127.0.0.1:${env.PORT}/health/ready`);
        if (response.status === 200) return performance.now() - started;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
      if (child.exitCode !== null) throw new Error(`app exited: ${output.slice(-2000)}`);
    }
    throw new Error('app did not become ready');
  })();
  return { child, ready, output: () => output };
}

async function stop(child) {
  if (child.exitCode !== null) return;
  await new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
}

function credentialsFrom(output) {
  const email = /e-mail:\s+(\S+)/.exec(output)?.[1];
  const password = /password:\s+(\S+)/.exec(output)?.[1];
  return { email, password };
}

async function loginTiming(port, email, password, rounds = 20) {
  const samples = [];
  let token = null;
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    const response = await fetch(`http://127.0.0.1:${port}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    samples.push(performance.now() - started);
    token = (await response.json()).accessToken;
  }
  samples.sort((a, b) => a - b);
  return { token, medianMs: samples[Math.floor(samples.length / 2)], p95Ms: samples[Math.floor(samples.length * 0.95)] };
}

function cannon(port, token) {
  return new Promise((resolve, reject) => {
    autocannon(
      { url: `http://127.0.0.1:${port}/api/v1/auth/me`, connections: 50, duration: 10, headers: { authorization: `Bearer ${token}` } },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

async function externalRun(label, extraEnv) {
  const database = `bench_${randomBytes(4).toString('hex')}`;
  await sql(ADMIN_URL, `CREATE DATABASE ${database}`);
  const cwd = mkdtempSync(join(tmpdir(), 'vertex-bench-'));
  const port = String(3100 + Math.floor(Math.random() * 500));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  const app = startApp({ NODE_ENV: 'development', PORT: port, DATABASE_URL: url.toString(), LOG_LEVEL: 'warn', ...extraEnv }, cwd);
  try {
    const coldStartMs = await app.ready;
    const { email, password } = credentialsFrom(app.output());
    const login = await loginTiming(port, email, password);
    const result = await cannon(port, login.token);
    const summary = {
      run: label,
      coldStartMs: Math.round(coldStartMs),
      loginMedianMs: Math.round(login.medianMs),
      loginP95Ms: Math.round(login.p95Ms),
      meRequestsPerSec: Math.round(result.requests.average),
      meP99Ms: result.latency.p99,
      non2xx: result.non2xx,
    };
    console.log(JSON.stringify(summary));
  } finally {
    await stop(app.child);
    await sql(ADMIN_URL, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    rmSync(cwd, { recursive: true, force: true });
  }
}

async function embeddedColdStart() {
  const cwd = mkdtempSync(join(tmpdir(), 'vertex-bench-embedded-'));
  chmodSync(cwd, 0o755);
  const port = String(3700 + Math.floor(Math.random() * 200));
  const pgPort = String(55_000 + Math.floor(Math.random() * 1000));
  try {
    const first = startApp({ PORT: port, EMBEDDED_PG_PORT: pgPort, LOG_LEVEL: 'warn' }, cwd);
    const firstMs = await first.ready;
    await stop(first.child);
    const second = startApp({ PORT: port, EMBEDDED_PG_PORT: pgPort, LOG_LEVEL: 'warn' }, cwd);
    const secondMs = await second.ready;
    await stop(second.child);
    console.log(JSON.stringify({ run: 'embedded', firstStartMs: Math.round(firstMs), warmStartMs: Math.round(secondMs) }));
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

await externalRun('throttler-on', { GLOBAL_RATE_LIMIT: '9000000/minute', AUTH_RATE_LIMIT: '9000000/minute' });
await externalRun('throttler-off', { RATE_LIMIT_ENABLED: 'false' });
await embeddedColdStart();
