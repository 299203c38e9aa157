import { writeFileSync } from 'node:fs';
import sharp from 'sharp';

/**
 * Writes a Y4M file (YUV4MPEG2, C420jpeg = full-range BT.601, 4:2:0) for Chromium's fake camera
 * (`--use-file-for-fake-video-capture`): the image fitted into `height × 0.8`, centred on grey, repeated for
 * `frames` identical frames (Chromium loops the file).
 */
export async function writeY4m(
  path: string,
  image: Buffer,
  options: { width?: number; height?: number; fps?: number; frames?: number; scale?: number } = {},
): Promise<void> {
  const width = options.width ?? 640;
  const height = options.height ?? 480;
  const fps = options.fps ?? 15;
  const frames = options.frames ?? 8;
  const box = Math.round(Math.min(width, height) * (options.scale ?? 0.8));
  const fitted = await sharp(image).resize({ width: box, height: box, fit: 'inside' }).toBuffer();
  const { data: rgb } = await sharp({ create: { width, height, channels: 3, background: { r: 128, g: 128, b: 128 } } })
    .composite([{ input: fitted, gravity: 'centre' }])
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });

  const ySize = width * height;
  const cw = width / 2;
  const ch = height / 2;
  const frame = Buffer.alloc(ySize + 2 * cw * ch);
  for (let i = 0; i < ySize; i++) {
    const r = rgb[i * 3];
    const g = rgb[i * 3 + 1];
    const b = rgb[i * 3 + 2];
    frame[i] = clamp(0.299 * r + 0.587 * g + 0.114 * b);
  }
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (const [dx, dy] of [
        [0, 0],
        [1, 0],
        [0, 1],
        [1, 1],
      ]) {
        const o = ((y * 2 + dy) * width + x * 2 + dx) * 3;
        r += rgb[o];
        g += rgb[o + 1];
        b += rgb[o + 2];
      }
      r /= 4;
      g /= 4;
      b /= 4;
      frame[ySize + y * cw + x] = clamp(-0.168736 * r - 0.331264 * g + 0.5 * b + 128);
      frame[ySize + cw * ch + y * cw + x] = clamp(0.5 * r - 0.418688 * g - 0.081312 * b + 128);
    }
  }
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420jpeg\n`, 'ascii');
  const frameHeader = Buffer.from('FRAME\n', 'ascii');
  const parts: Buffer[] = [header];
  for (let i = 0; i < frames; i++) parts.push(frameHeader, frame);
  writeFileSync(path, Buffer.concat(parts));
}

function clamp(value: number): number {
  return Math.max(0, Math.min(255, Math.round(value)));
}
