import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsQR from 'jsqr';
import sharp from 'sharp';
import { texturedJpeg } from '../../../test/support/ar-fixtures';
import { extractPoster, makePreviewWebp, makeQr } from './media';

const hasFfmpeg = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;

describe('AR media', () => {
  it('makes a ≤300×300 WebP preview without metadata', async () => {
    const withExif = await sharp(await texturedJpeg(800, 2, 600))
      .withMetadata({ exif: { IFD0: { Copyright: 'secret-owner' } } })
      .jpeg()
      .toBuffer();
    const preview = await makePreviewWebp(withExif);
    const meta = await sharp(preview).metadata();
    expect(meta.format).toBe('webp');
    expect(meta.width).toBe(300);
    expect(meta.height).toBe(225);
    expect(meta.exif).toBeUndefined();
    expect(preview.includes(Buffer.from('secret-owner'))).toBe(false);
    await expect(makePreviewWebp(Buffer.from('not an image'))).rejects.toThrow();
  });

  it('makes a QR code (PNG and SVG) that decodes to the URL', async () => {
    const url = 'https://ar.example.com/ar/AbC123_-x';
    const { png, svg } = await makeQr(url);
    const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    expect(jsQR(new Uint8ClampedArray(data), info.width, info.height)?.data).toBe(url);
    expect(svg).toMatch(/^<svg[^>]+xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    const fromSvg = await sharp(Buffer.from(svg)).resize(400).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    expect(jsQR(new Uint8ClampedArray(fromSvg.data), fromSvg.info.width, fromSvg.info.height)?.data).toBe(url);
  });

  it('reports why the poster is skipped when ffmpeg is missing', async () => {
    const result = await extractPoster('/nonexistent.mp4', { ffmpegPath: '/nonexistent/ffmpeg', ffprobePath: '/nonexistent/ffprobe' });
    expect(result).toEqual({ skipped: expect.stringMatching(/not installed/) });
  });

  it.skipIf(!hasFfmpeg)(
    'extracts a WebP poster frame with ffmpeg, and skips an unreadable video with the reason',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ar-media-'));
      try {
        writeFileSync(join(dir, 'in.jpg'), await texturedJpeg(640, 9, 480));
        const made = spawnSync('ffmpeg', [
          '-v',
          'error',
          '-y',
          '-loop',
          '1',
          '-i',
          join(dir, 'in.jpg'),
          '-t',
          '2',
          '-pix_fmt',
          'yuv420p',
          '-vf',
          'scale=320:-2',
          join(dir, 'v.mp4'),
        ]);
        expect(made.status).toBe(0);
        const poster = await extractPoster(join(dir, 'v.mp4'));
        expect('webp' in poster).toBe(true);
        if ('webp' in poster) {
          const meta = await sharp(poster.webp).metadata();
          expect([meta.format, meta.width, meta.height]).toEqual(['webp', 320, 240]);
          expect(poster.atSeconds).toBeCloseTo(0.2, 1);
        }
        writeFileSync(join(dir, 'bad.mp4'), Buffer.from('not a video at all'));
        expect(await extractPoster(join(dir, 'bad.mp4'))).toEqual({ skipped: expect.stringMatching(/ffprobe could not read/) });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    30_000,
  );
});
