// MindAR target compile benchmark: compile time for 512/1024/2048 px inputs and how the main thread (the API)
// fares meanwhile: event-loop delay p99 and p99 latency of a tiny HTTP endpoint served from this process
// (autocannon, 10 connections) while the compile runs in its worker thread.
//
//   npm run build && node bench/ar-target.mjs [--original]
//
// --original also times MindAR's own (mathjs) CPU shader runner at 1024 px for comparison.
// Prints one JSON line per run.
/* global Buffer, setInterval, clearInterval */
import { createServer } from 'node:http';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import autocannon from 'autocannon';
import sharp from 'sharp';

const require = createRequire(import.meta.url);
const servicePath = new URL('../dist/src/ar/target/target-compiler.service.js', import.meta.url);
const workerPath = new URL('../dist/src/ar/target/mind-compiler.worker.mjs', import.meta.url);
if (!existsSync(servicePath) || !existsSync(workerPath)) {
  console.error('dist/ is missing the target compiler: run `npm run build` first');
  process.exit(1);
}
const { TargetCompilerService } = require(servicePath.pathname);

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

const server = createServer((_req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end('{"status":"ok"}');
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${server.address().port}/health/live`;

async function run(label, size, options) {
  const image = await textured(size, size);
  const service = new TargetCompilerService(options);
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let compileDone = false;
  const compile = service.compile(image).finally(() => (compileDone = true));
  // Load the API only while the compile runs (duration capped at 10 s, the shortest compile is ~1.5 s).
  const load = autocannon({ url, connections: 10, duration: 10 });
  const stopper = setInterval(() => compileDone && load.stop(), 50);
  const [result, http] = await Promise.all([compile, load]);
  clearInterval(stopper);
  delay.disable();
  console.log(
    JSON.stringify({
      bench: 'ar-target',
      label,
      inputPx: size,
      compiledPx: `${result.width}x${result.height}`,
      totalMs: result.details.totalMs,
      workerLoadMs: result.details.loadMs,
      compileMs: result.details.compileMs,
      mindBytes: result.mind.length,
      featurePoints: result.featurePoints,
      trackability: result.trackability.score,
      eventLoopDelayP99Ms: Math.round((delay.percentile(99) / 1e6) * 10) / 10,
      eventLoopDelayMaxMs: Math.round((delay.max / 1e6) * 10) / 10,
      httpRequests: http.requests.total,
      httpP99Ms: http.latency.p99,
      httpMaxMs: http.latency.max,
    }),
  );
}

await run('512 px', 512, { maxSide: 512 });
await run('1024 px', 1024, { maxSide: 1024 });
await run('2048 px at full size', 2048, { maxSide: 2048 });
await run('2048 px input, default maxSide 1024', 2048, {});
if (process.argv.includes('--original')) await run('1024 px, MindAR original shader runner', 1024, { maxSide: 1024, fastKernels: false });
server.close();
