// Storage benchmarks: streamed upload throughput and peak RSS for one 200 MiB object through the local and
// s3 (s3rver) adapters, next to a plain fs copy and a raw SDK lib-storage Upload of the same file, in one run.
// Run after `npm run build`:   node --expose-gc bench/storage.mjs   (BENCH_SIZE_MB=200 by default)
// Prints one JSON line per case.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { clearInterval, setInterval } from 'node:timers';
import { createRequire } from 'node:module';
import { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

const require = createRequire(import.meta.url);
const S3rver = require('s3rver');
const { LocalStorageAdapter } = require('../dist/src/storage/adapters/local.adapter.js');
const { S3StorageAdapter, S3_PART_SIZE, S3_QUEUE_SIZE } = require('../dist/src/storage/adapters/s3.adapter.js');

const SIZE = Number(process.env.BENCH_SIZE_MB ?? 200) * 1024 * 1024;
const MB = 1024 * 1024;
const work = mkdtempSync(join(tmpdir(), 'vertex-ar-bench-storage-'));
const source = join(work, 'source.bin');

async function makeSource() {
  const out = createWriteStream(source);
  let left = SIZE;
  while (left > 0) {
    const chunk = randomBytes(Math.min(MB, left));
    left -= chunk.length;
    if (!out.write(chunk)) await new Promise((resolve) => out.once('drain', resolve));
  }
  await new Promise((resolve, reject) => out.end((error) => (error ? reject(error) : resolve())));
}

async function sha256(stream) {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk);
  return hash.digest('hex');
}

async function measure(name, fn) {
  globalThis.gc?.();
  await new Promise((resolve) => setTimeout(resolve, 200));
  const start = process.memoryUsage().rss;
  let peak = start;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  const started = performance.now();
  try {
    await fn();
  } finally {
    clearInterval(timer);
  }
  const seconds = (performance.now() - started) / 1000;
  peak = Math.max(peak, process.memoryUsage().rss);
  const line = {
    case: name,
    sizeMiB: SIZE / MB,
    seconds: Number(seconds.toFixed(2)),
    mibPerSecond: Number((SIZE / MB / seconds).toFixed(1)),
    rssStartMiB: Number((start / MB).toFixed(1)),
    rssPeakMiB: Number((peak / MB).toFixed(1)),
    rssGrowthMiB: Number(((peak - start) / MB).toFixed(1)),
  };
  console.log(JSON.stringify(line));
  return line;
}

const s3dir = join(work, 's3rver');
const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: s3dir, configureBuckets: [{ name: 'bench' }] });
const address = await server.run();
const endpoint = `http://127.0.0.1:${address.port}`;
const s3 = {
  endpoint,
  region: 'us-east-1',
  bucket: 'bench',
  forcePathStyle: true,
  accessKeyId: 'S3RVER',
  secretAccessKey: 'S3RVER',
  timeoutMs: 30_000,
};

try {
  await makeSource();
  const expected = await sha256(createReadStream(source));
  console.log(
    JSON.stringify({
      info: 'setup',
      node: process.version,
      gcExposed: typeof globalThis.gc === 'function',
      partSize: S3_PART_SIZE,
      queueSize: S3_QUEUE_SIZE,
    }),
  );

  await measure('fs copy (createReadStream → createWriteStream)', () =>
    pipeline(createReadStream(source), createWriteStream(join(work, 'copy.bin'))),
  );

  const local = new LocalStorageAdapter(join(work, 'local-root'));
  const key = `companies/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}/videos/bench/video.mp4`;
  await measure('local adapter put', () => local.put(key, createReadStream(source), { contentType: 'video/mp4' }));
  await measure('local adapter get (read + sha256)', async () => {
    if ((await sha256((await local.get(key)).stream)) !== expected) throw new Error('local round trip differs');
  });

  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  await measure('raw SDK lib-storage Upload (same part size/queue) → s3rver', () =>
    new Upload({
      client,
      params: { Bucket: 'bench', Key: 'raw/video.mp4', Body: createReadStream(source) },
      partSize: S3_PART_SIZE,
      queueSize: S3_QUEUE_SIZE,
    }).done(),
  );
  await measure('raw SDK lib-storage Upload (SDK defaults 5 MiB × 4) → s3rver', () =>
    new Upload({ client, params: { Bucket: 'bench', Key: 'raw/default.mp4', Body: createReadStream(source) } }).done(),
  );
  client.destroy();

  const adapter = new S3StorageAdapter(s3);
  await measure('s3 adapter put → s3rver', () => adapter.put(key, createReadStream(source), { contentType: 'video/mp4' }));
  await measure('s3 adapter get (read + sha256) ← s3rver', async () => {
    if ((await sha256((await adapter.get(key)).stream)) !== expected) throw new Error('s3 round trip differs');
  });
  adapter.destroy();
} finally {
  await server.close();
  rmSync(work, { recursive: true, force: true });
}
