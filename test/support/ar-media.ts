import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { TestApp } from './test-app';
import type { SignedIn } from './factories';

export const hasFfmpeg = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;

/** A short test-pattern video made by ffmpeg (`format`: mp4 = H.264 faststart, webm = VP8, mkv = Matroska). */
export function makeVideo(format: 'mp4' | 'webm' | 'mkv' | 'mp4-tail', seconds = 2, size = '320x240'): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'ar-media-'));
  try {
    const ext = format === 'mp4-tail' ? 'mp4' : format;
    const out = join(dir, `v.${ext}`);
    const codec =
      format === 'webm'
        ? ['-c:v', 'libvpx', '-b:v', '200k']
        : ['-c:v', 'libx264', '-pix_fmt', 'yuv420p', ...(format === 'mp4' ? ['-movflags', '+faststart'] : [])];
    const result = spawnSync(
      'ffmpeg',
      ['-hide_banner', '-v', 'error', '-f', 'lavfi', '-i', `testsrc=size=${size}:rate=10`, '-t', String(seconds), ...codec, '-y', out],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    if (result.status !== 0) throw new Error(`ffmpeg failed: ${result.stderr.toString()}`);
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A JPEG with EXIF including GPS coordinates (sharp `withExif`). */
export async function jpegWithGps(image: Buffer): Promise<Buffer> {
  return sharp(image)
    .withExif({
      IFD0: { Copyright: 'secret-owner', ImageDescription: 'Home of the client' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '55/1 45/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '37/1 37/1 0/1' },
    })
    .jpeg()
    .toBuffer();
}

/** A PNG signature + IHDR chunk claiming `width`×`height` (and nothing else: a pixel-flood header). */
export function floodPng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const chunk = Buffer.concat([Buffer.from([0, 0, 0, 13]), Buffer.from('IHDR'), ihdr, Buffer.alloc(4)]);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk, Buffer.alloc(64)]);
}

export interface OrderForm {
  fields?: Record<string, string>;
  image?: { body: Buffer; name?: string; type?: string } | null;
  video?: { body: Buffer; name?: string; type?: string } | null;
  extraFiles?: Array<{ field: string; body: Buffer; name?: string }>;
  headers?: Record<string, string>;
}

/** POST …/orders as multipart (fields first, then the files). */
export function postOrder(t: TestApp, user: SignedIn, companyId: string, form: OrderForm) {
  let req = t.http.post(`/api/v1/companies/${companyId}/orders`).set(user.auth);
  for (const [name, value] of Object.entries(form.headers ?? {})) req = req.set(name, value);
  const fields = form.fields ?? {
    clientName: 'Anna Petrova',
    clientPhone: '+7 912 555-11-22',
    clientEmail: 'anna@example.com',
    title: 'Grandma',
  };
  for (const [name, value] of Object.entries(fields)) req = req.field(name, value);
  if (form.image)
    req = req.attach('image', form.image.body, { filename: form.image.name ?? 'photo.jpg', contentType: form.image.type ?? 'image/jpeg' });
  if (form.video)
    req = req.attach('video', form.video.body, { filename: form.video.name ?? 'clip.mp4', contentType: form.video.type ?? 'video/mp4' });
  for (const extra of form.extraFiles ?? [])
    req = req.attach(extra.field, extra.body, { filename: extra.name ?? 'x.bin', contentType: 'application/octet-stream' });
  return req;
}

/** Row counts of the AR tables and the client count, to prove a refused upload left nothing behind. */
export async function arCounts(t: TestApp): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of ['portraits', 'videos', 'orders', 'clients', 'idempotency_keys']) {
    const rows = (await t.db.query(`SELECT count(*)::int AS n FROM ${table}`)) as Array<{ n: number }>;
    counts[table] = rows[0].n;
  }
  return counts;
}

/** Every file under the local storage root and the upload temp folder. */
export function storedFiles(t: TestApp): string[] {
  const walk = (dir: string): string[] => {
    const result = spawnSync('find', [dir, '-type', 'f'], { encoding: 'utf8' });
    return result.status === 0 ? result.stdout.split('\n').filter(Boolean) : [];
  };
  return [...walk(t.config.storage.root), ...walk(t.config.ar.tmpDir)];
}

export async function waitFor<T>(fn: () => Promise<T | null | undefined>, timeoutMs = 60_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
