// AR content API benchmarks, all in one run against the built app (dist/) on a fresh PostgreSQL database:
//   1. p99 of GET /health/live and GET /api/v1/auth/me (autocannon, 20 connections, 10 s) with no compile
//      running, then again while target compiles run back to back (two portraits recompiled in a loop).
//   2. upload of one order with a ~200 MB MP4 (faststart, 60 s 1280×720): MB/s and the app's RSS (VmRSS sampled
//      every 100 ms from /proc/<pid>/status, VmHWM reset through /proc/<pid>/clear_refs before the upload).
//   3. req/s and p99 of GET /api/v1/mobile/ar/{slug} and GET /ar/{slug}/target.mind (50 connections, 10 s),
//      next to a bare node:http + pg server (separate process, bench/ar-api.mjs --bare) answering the same
//      routes with the same JSON / bytes.
//
//   npx nest build && node bench/ar-api.mjs
//
// Uses postgres://postgres@127.0.0.1:5432 (BENCH_DATABASE_ADMIN_URL) like bench/foundation.mjs. Needs ffmpeg.
// The 200 MB video is cached in $TMPDIR/vertex-bench-video-200mb.mp4. Prints JSON lines.
/* global Buffer, setInterval, clearInterval */
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import sharp from 'sharp';

const ROOT = new URL('..', import.meta.url).pathname;
const ADMIN_URL = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SLUG_PATTERN = /^[A-Za-z0-9_-]{22}$/;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** Other load on the (shared) machine when a line is printed: 1-min load average and running vitest processes. */
function contention() {
  let vitest = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('vitest/dist/workers')) vitest += 1;
    } catch {
      // gone
    }
  }
  return { load1: Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]), otherVitestWorkers: vitest };
}
const log = (line) => console.log(JSON.stringify({ bench: 'ar-api', ...line, ...contention() }));

// ---------------------------------------------------------------------------------------------------------------
// Bare server (child process): node:http + pg, the same routes, the same query result, the same JSON / bytes.
// ---------------------------------------------------------------------------------------------------------------
function bareServer() {
  const { DATABASE_URL, PORT, BASE_URL, STORAGE_ROOT, POOL_MAX } = process.env;
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: Number(POOL_MAX ?? 10) });
  const JOINED = `SELECT p.slug, p.title, p.subscription_ends_at, p.target_key, p.target_etag, p.preview_key, p.preview_etag,
      p.image_width, p.image_height, p.updated_at, v.id AS video_id, v.duration_seconds, v.width, v.height, v.poster_key,
      v.poster_etag, v.created_at AS video_created_at
    FROM portraits p
    JOIN videos v ON v.portrait_id = p.id AND v.is_active
    JOIN companies c ON c.id = p.company_id
    WHERE p.slug = $1 AND p.target_key IS NOT NULL`;
  // The app's three round trips (portrait by slug, its active video, its company), for the "3 queries" row.
  const threeQueries = async (slug) => {
    const p = (await pool.query('SELECT * FROM portraits WHERE slug = $1', [slug])).rows[0];
    if (!p || !p.target_key) return null;
    const v = (await pool.query('SELECT * FROM videos WHERE portrait_id = $1 AND is_active', [p.id])).rows[0];
    if (!v) return null;
    const c = (await pool.query('SELECT * FROM companies WHERE id = $1', [p.company_id])).rows[0];
    if (!c) return null;
    return { ...p, video_id: v.id, duration_seconds: v.duration_seconds, width: v.width, height: v.height, poster_key: v.poster_key, poster_etag: v.poster_etag, video_created_at: v.created_at };
  };
  const status = (endsAt) => {
    if (!endsAt) return 'active';
    const left = endsAt.getTime() - Date.now();
    return left <= 0 ? 'expired' : left <= 7 * 24 * 3600 * 1000 ? 'expiring' : 'active';
  };
  const notFound = (res) => {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"statusCode":404,"code":"NOT_FOUND","message":"AR content not found"}');
  };
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url, 'http://x');
      let match = /^(\/3q)?\/api\/v1\/mobile\/ar\/([^/]+)$/.exec(url.pathname);
      if (req.method === 'GET' && match) {
        const slug = match[2];
        if (!SLUG_PATTERN.test(slug)) return notFound(res);
        const row = match[1] ? await threeQueries(slug) : (await pool.query(JOINED, [slug])).rows[0];
        if (!row) return notFound(res);
        const s = status(row.subscription_ends_at);
        const live = s !== 'expired';
        const a = `/ar/${row.slug}`;
        const body = {
          slug: row.slug,
          title: row.title,
          status: s,
          targetUrl: live ? `${BASE_URL}${a}/target.mind?v=${row.target_etag?.slice(0, 16) ?? ''}` : null,
          video: live
            ? {
                url: `${BASE_URL}${a}/video?v=${row.video_id.slice(0, 8)}`,
                posterUrl: row.poster_key ? `${BASE_URL}${a}/poster.webp?v=${row.poster_etag?.slice(0, 16) ?? ''}` : null,
                durationSeconds: Math.round(row.duration_seconds * 1000) / 1000,
                width: row.width,
                height: row.height,
              }
            : null,
          image: live
            ? { previewUrl: row.preview_key ? `${BASE_URL}${a}/preview.webp?v=${row.preview_etag?.slice(0, 16) ?? ''}` : null, width: row.image_width, height: row.image_height }
            : null,
          updatedAt: new Date(Math.max(row.updated_at.getTime(), row.video_created_at.getTime())).toISOString(),
        };
        const json = JSON.stringify(body);
        const etag = `"${createHash('sha256').update(json).digest('base64url').slice(0, 32)}"`;
        const inm = req.headers['if-none-match'];
        if (inm !== undefined && inm.split(',').some((tag) => tag.trim() === etag)) {
          res.writeHead(304, { etag, 'cache-control': 'no-cache' });
          return res.end();
        }
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json), etag, 'cache-control': 'no-cache' });
        return res.end(json);
      }
      match = /^\/ar\/([^/]+)\/target\.mind$/.exec(url.pathname);
      if (req.method === 'GET' && match) {
        const slug = match[1];
        if (!SLUG_PATTERN.test(slug)) return notFound(res);
        const row = (await pool.query(JOINED, [slug])).rows[0];
        if (!row || status(row.subscription_ends_at) === 'expired') return notFound(res);
        const etag = `"${row.target_etag}"`;
        const inm = req.headers['if-none-match'];
        const headers = { etag, 'cache-control': 'public, max-age=31536000, immutable' };
        if (inm !== undefined && inm.split(',').some((tag) => tag.trim() === etag || tag.trim() === '*')) {
          res.writeHead(304, headers);
          return res.end();
        }
        const path = join(STORAGE_ROOT, row.target_key);
        const size = statSync(path).size;
        res.writeHead(200, {
          ...headers,
          'content-type': 'application/octet-stream',
          'content-length': size,
          'content-security-policy': "default-src 'none'; sandbox",
          'x-content-type-options': 'nosniff',
        });
        return createReadStream(path).pipe(res);
      }
      notFound(res);
    } catch (error) {
      res.writeHead(500);
      res.end(String(error));
    }
  });
  server.listen(Number(PORT), '127.0.0.1', () => process.send?.('listening'));
  process.on('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------------
async function sql(url, text, params = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows;
  } finally {
    await client.end();
  }
}

function startApp(env, cwd) {
  const child = spawn(process.execPath, [join(ROOT, 'dist/src/main.js')], {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output = (output + chunk).slice(-200_000)));
  child.stderr.on('data', (chunk) => (output = (output + chunk).slice(-200_000)));
  const ready = (async () => {
    for (let i = 0; i < 1200; i++) {
      try {
        const response = await fetch(`http://127.0.0.1:${env.PORT}/health/ready`);
        if (response.status === 200) return;
      } catch {
        // not listening yet
      }
      await sleep(50);
      if (child.exitCode !== null) throw new Error(`app exited: ${output.slice(-2000)}`);
    }
    throw new Error(`app did not become ready: ${output.slice(-2000)}`);
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

/** VmRSS / VmHWM of a process in MiB. */
function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMiB: kb('VmRSS') / 1024, hwmMiB: kb('VmHWM') / 1024 };
}

function rssSampler(pid) {
  let peak = 0;
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, memory(pid).rssMiB);
    } catch {
      // process gone
    }
  }, 100);
  return { stop: () => (clearInterval(timer), peak), peek: () => peak };
}

const r1 = (n) => Math.round(n * 10) / 10;

function cannon(url, connections, headers = {}, duration = 10) {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections, duration, headers }, (error, result) =>
      error
        ? reject(error)
        : resolve({
            reqPerSec: Math.round(result.requests.average),
            p50Ms: result.latency.p50,
            p99Ms: result.latency.p99,
            maxMs: result.latency.max,
            mbPerSec: r1(result.throughput.average / 1e6),
            total: result.requests.total,
            non2xx: result.non2xx,
            errors: result.errors + result.timeouts,
          }),
    );
  });
}

/** Deterministic textured picture (same idea as test/support/ar-fixtures.ts). */
async function textured(size, seed = 1) {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = (n) => Math.floor(random() * n);
  const colour = () => `rgb(${pick(256)},${pick(256)},${pick(256)})`;
  const parts = [`<rect width="${size}" height="${size}" fill="${colour()}"/>`];
  for (let i = 0; i < 160; i++) {
    const x = pick(size);
    const y = pick(size);
    const r = 6 + pick(size / 10);
    parts.push(
      i % 3 === 0
        ? `<circle cx="${x}" cy="${y}" r="${r}" fill="${colour()}" stroke="${colour()}" stroke-width="4"/>`
        : i % 3 === 1
          ? `<rect x="${x}" y="${y}" width="${r * 2}" height="${r}" fill="${colour()}" transform="rotate(${pick(90)} ${x} ${y})"/>`
          : `<text x="${x}" y="${y}" font-family="sans-serif" font-weight="bold" font-size="${12 + pick(size / 12)}" fill="${colour()}">VERTEX ${i}</text>`,
    );
  }
  return sharp(Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}">${parts.join('')}</svg>`))
    .jpeg({ quality: 90 })
    .toBuffer();
}

function ffmpeg(args) {
  const result = spawnSync('ffmpeg', ['-hide_banner', '-v', 'error', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (result.status !== 0) throw new Error(`ffmpeg failed: ${result.stderr}`);
}

function smallVideo(dir) {
  const out = join(dir, 'small.mp4');
  ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=10', '-t', '3', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', '-y', out]);
  return out;
}

/** ~204 MB H.264 MP4, 60 s 1280×720, moov first. Noise keeps x264 at the requested constant bitrate. */
function bigVideo() {
  const out = join(tmpdir(), 'vertex-bench-video-200mb.mp4');
  if (existsSync(out) && statSync(out).size > 195e6) return out;
  ffmpeg([
    '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30,noise=alls=30:allf=t', '-t', '60',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p',
    '-b:v', '27M', '-minrate', '27M', '-maxrate', '27M', '-bufsize', '27M', '-movflags', '+faststart', '-y', out,
  ]);
  return out;
}

/** POST …/orders as a streamed multipart body (fields, image, video from a file). Resolves with timings. */
function postOrder(port, token, companyId, { image, videoPath, title }) {
  const boundary = `----vertexbench${randomBytes(8).toString('hex')}`;
  const fields = { clientName: 'Bench Client', clientPhone: '+7 912 555-11-22', title };
  let head = '';
  for (const [name, value] of Object.entries(fields)) head += `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const imageHead = Buffer.from(`${head}--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="photo.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`);
  const videoHead = Buffer.from(`\r\n--${boundary}\r\nContent-Disposition: form-data; name="video"; filename="clip.mp4"\r\nContent-Type: video/mp4\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const videoSize = statSync(videoPath).size;
  const length = imageHead.length + image.length + videoHead.length + videoSize + tail.length;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let bodySentMs = null;
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: `/api/v1/companies/${companyId}/orders`,
        headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': length },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          if (res.statusCode !== 202) return reject(new Error(`order ${res.statusCode}: ${text}`));
          resolve({ body: JSON.parse(text), bytes: length, bodySentMs, responseMs: performance.now() - started });
        });
      },
    );
    req.on('error', reject);
    req.on('finish', () => (bodySentMs = performance.now() - started));
    req.write(imageHead);
    req.write(image);
    req.write(videoHead);
    const video = createReadStream(videoPath, { highWaterMark: 1024 * 1024 });
    video.on('error', reject);
    video.on('end', () => req.end(tail));
    video.pipe(req, { end: false });
  });
}

async function api(port, token, method, path, body) {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

async function waitOrder(port, token, companyId, orderId, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await api(port, token, 'GET', `/api/v1/companies/${companyId}/orders/${orderId}`);
    if (body.status !== 'processing') return body;
    if (Date.now() > deadline) throw new Error(`order ${orderId} still processing`);
    await sleep(200);
  }
}

/** Keeps each portrait recompiling back to back (one queued behind the other: the queue never runs dry). */
function recompileLoop(port, token, companyId, portraitIds) {
  let running = true;
  const orders = [];
  const loops = portraitIds.map(async (portraitId) => {
    while (running) {
      const started = await api(port, token, 'POST', `/api/v1/companies/${companyId}/portraits/${portraitId}/target`);
      if (started.status !== 202) throw new Error(`recompile ${started.status}: ${JSON.stringify(started.body)}`);
      orders.push(started.body.id);
      const done = await waitOrder(port, token, companyId, started.body.id);
      if (done.status !== 'ready') throw new Error(`recompile failed: ${JSON.stringify(done)}`);
    }
  });
  return { orders, stop: () => ((running = false), Promise.all(loops)) };
}

// ---------------------------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------------------------
async function main() {
  const database = `bench_ar_${randomBytes(4).toString('hex')}`;
  await sql(ADMIN_URL, `CREATE DATABASE ${database}`);
  const cwd = mkdtempSync(join(tmpdir(), 'vertex-bench-ar-'));
  const port = String(3100 + Math.floor(Math.random() * 500));
  const barePort = String(Number(port) + 1000);
  const dbUrl = new URL(ADMIN_URL);
  dbUrl.pathname = `/${database}`;
  const baseUrl = `http://127.0.0.1:${port}`;
  const storageRoot = join(cwd, 'data', 'storage');
  const app = startApp(
    {
      NODE_ENV: 'development',
      PORT: port,
      BASE_URL: baseUrl,
      DATABASE_URL: dbUrl.toString(),
      DATA_DIR: join(cwd, 'data'),
      LOG_LEVEL: 'warn',
      GLOBAL_RATE_LIMIT: '9000000/minute',
      AUTH_RATE_LIMIT: '9000000/minute',
      UPLOAD_RATE_LIMIT: '9000000/minute',
      MAX_VIDEO_MB: '220',
    },
    cwd,
  );
  let bare = null;
  try {
    const videoPath = bigVideo();
    const small = smallVideo(cwd);
    const image = await textured(1024, 11);
    await app.ready;
    const pid = app.child.pid;
    const email = /e-mail:\s+(\S+)/.exec(app.output())?.[1];
    const password = /password:\s+(\S+)/.exec(app.output())?.[1];
    const login = await fetch(`${baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    const token = (await login.json()).accessToken;
    if (!token) throw new Error(`login failed: ${login.status}`);
    const company = await api(port, token, 'POST', '/api/v1/companies', { name: 'Bench Studio' });
    if (company.status !== 201) throw new Error(`company ${company.status}: ${JSON.stringify(company.body)}`);
    const companyId = company.body.id;
    const auth = { authorization: `Bearer ${token}` };

    // Two small orders (1024 px image, 3 s video): the portraits recompiled in phase 1 and read in phase 3.
    const portraits = [];
    for (const seed of [1, 2]) {
      const created = await postOrder(port, token, companyId, { image: await textured(1024, seed), videoPath: small, title: `Bench ${seed}` });
      const done = await waitOrder(port, token, companyId, created.body.id);
      if (done.status !== 'ready') throw new Error(`order failed: ${JSON.stringify(done)}`);
      portraits.push(created.body.portrait);
    }
    log({ run: 'setup', port: Number(port), portraits: portraits.length, rssMiB: r1(memory(pid).rssMiB) });

    // 1a. Idle API latency.
    const idle = {
      live: await cannon(`${baseUrl}/health/live`, 20),
      me: await cannon(`${baseUrl}/api/v1/auth/me`, 20, auth),
    };
    for (const [route, result] of Object.entries(idle)) log({ run: 'api-latency', compiles: 'none', route, connections: 20, ...result });

    // 2. One order with a 200 MB video.
    const videoBytes = statSync(videoPath).size;
    writeFileSync(`/proc/${pid}/clear_refs`, '5'); // resets VmHWM to the current RSS
    const before = memory(pid);
    const sampler = rssSampler(pid);
    const upload = await postOrder(port, token, companyId, { image, videoPath, title: 'Big video' });
    const uploadPeak = Math.max(sampler.peek(), memory(pid).hwmMiB);
    const afterUpload = memory(pid);
    const processed = await waitOrder(port, token, companyId, upload.body.id, 300_000);
    const processingPeak = sampler.stop();
    const after = memory(pid);
    log({
      run: 'upload-200mb',
      videoMB: r1(videoBytes / 1e6),
      videoMiB: r1(videoBytes / 2 ** 20),
      bodyMB: r1(upload.bytes / 1e6),
      bodySentMs: Math.round(upload.bodySentMs),
      responseMs: Math.round(upload.responseMs),
      mbPerSec: r1(upload.bytes / 1e6 / (upload.responseMs / 1000)),
      rssBeforeMiB: r1(before.rssMiB),
      rssPeakDuringUploadMiB: r1(uploadPeak),
      hwmAfterUploadMiB: r1(afterUpload.hwmMiB),
      rssAfterUploadMiB: r1(afterUpload.rssMiB),
      orderStatus: processed.status,
      rssPeakUntilReadyMiB: r1(Math.max(processingPeak, after.hwmMiB)),
      rssAfterReadyMiB: r1(after.rssMiB),
    });

    // 1b. API latency while compiles run back to back.
    const loop = recompileLoop(port, token, companyId, portraits.map((p) => p.id));
    const firstStarted = Date.now() + 30_000;
    while (Date.now() < firstStarted) {
      const rows = await sql(dbUrl.toString(), `SELECT 1 FROM orders WHERE kind = 'recompile' AND processing_started_at IS NOT NULL AND status = 'processing'`);
      if (rows.length > 0) break;
      await sleep(100);
    }
    const windowStart = new Date();
    const loaded = {
      live: await cannon(`${baseUrl}/health/live`, 20),
      me: await cannon(`${baseUrl}/api/v1/auth/me`, 20, auth),
    };
    const windowEnd = new Date();
    await loop.stop();
    // Busy share of the window: sum of (processing_started_at .. updated_at) of recompile orders clipped to it.
    const spans = await sql(
      dbUrl.toString(),
      `SELECT processing_started_at AS s, updated_at AS e FROM orders WHERE kind = 'recompile' AND status = 'ready' AND processing_started_at IS NOT NULL`,
    );
    let busy = 0;
    let inWindow = 0;
    for (const { s, e } of spans) {
      const overlap = Math.min(e, windowEnd) - Math.max(s, windowStart);
      if (overlap > 0) {
        busy += overlap;
        inWindow += 1;
      }
    }
    const meanJobMs = spans.reduce((sum, { s, e }) => sum + (e - s), 0) / Math.max(1, spans.length);
    for (const [route, result] of Object.entries(loaded)) log({ run: 'api-latency', compiles: 'back-to-back', route, connections: 20, ...result });
    log({
      run: 'compile-load',
      windowMs: windowEnd - windowStart,
      recompileJobsOverlappingWindow: inWindow,
      processingBusyShare: Math.round((busy / (windowEnd - windowStart)) * 100) / 100,
      meanRecompileJobMs: Math.round(meanJobMs),
      recompileJobsTotal: spans.length,
    });

    // 3. Public reads: app vs bare node:http + pg.
    bare = spawn(process.execPath, [new URL(import.meta.url).pathname, '--bare'], {
      env: { PATH: process.env.PATH, DATABASE_URL: dbUrl.toString(), PORT: barePort, BASE_URL: baseUrl, STORAGE_ROOT: storageRoot, POOL_MAX: '10' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    await new Promise((resolve, reject) => {
      bare.once('message', resolve);
      bare.once('exit', (code) => reject(new Error(`bare server exited ${code}`)));
    });
    const slug = portraits[0].slug;
    const bareBase = `http://127.0.0.1:${barePort}`;
    // Same answers?
    const [appJson, bareJson, bare3Json] = await Promise.all(
      [`${baseUrl}/api/v1/mobile/ar/${slug}`, `${bareBase}/api/v1/mobile/ar/${slug}`, `${bareBase}/3q/api/v1/mobile/ar/${slug}`].map(async (u) => {
        const res = await fetch(u);
        return { text: await res.text(), etag: res.headers.get('etag') };
      }),
    );
    const [appMind, bareMind] = await Promise.all(
      [`${baseUrl}/ar/${slug}/target.mind`, `${bareBase}/ar/${slug}/target.mind`].map(async (u) => Buffer.from(await (await fetch(u)).arrayBuffer())),
    );
    log({
      run: 'public-same-answer',
      mobileJsonEqual: appJson.text === bareJson.text && appJson.text === bare3Json.text,
      mobileEtagEqual: appJson.etag === bareJson.etag,
      mindBytes: appMind.length,
      mindEqual: appMind.equals(bareMind),
    });
    if (appJson.text !== bareJson.text) log({ run: 'public-diff', app: appJson.text, bare: bareJson.text });
    const cases = [
      ['app', 'mobile', `${baseUrl}/api/v1/mobile/ar/${slug}`],
      ['bare (1 joined query)', 'mobile', `${bareBase}/api/v1/mobile/ar/${slug}`],
      ['bare (3 queries like the app)', 'mobile', `${bareBase}/3q/api/v1/mobile/ar/${slug}`],
      ['app', 'target.mind', `${baseUrl}/ar/${slug}/target.mind`],
      ['bare (1 joined query)', 'target.mind', `${bareBase}/ar/${slug}/target.mind`],
    ];
    // The .mind answer is 0.76 MB, so the two rows above measure loopback bytes; revalidation (304) shows the
    // per-request cost of the route itself.
    const mindEtag = (await fetch(`${baseUrl}/ar/${slug}/target.mind`)).headers.get('etag');
    cases.push(
      ['app', 'target.mind If-None-Match → 304', `${baseUrl}/ar/${slug}/target.mind`, { 'if-none-match': mindEtag }],
      ['bare (1 joined query)', 'target.mind If-None-Match → 304', `${bareBase}/ar/${slug}/target.mind`, { 'if-none-match': mindEtag }],
    );
    for (const [server, route, url, headers] of cases) {
      const result = await cannon(url, 50, headers);
      // autocannon counts 304 as non-2xx: report them as such.
      log({ run: 'public-read', server, route, connections: 50, ...result });
    }
    log({ run: 'end', rssMiB: r1(memory(pid).rssMiB), hwmMiB: r1(memory(pid).hwmMiB) });
  } finally {
    if (bare) await stop(bare);
    await stop(app.child);
    await sql(ADMIN_URL, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    rmSync(cwd, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--bare') bareServer();
else await main();
