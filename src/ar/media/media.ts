import { spawn } from 'node:child_process';
import QRCode from 'qrcode';
import sharp from 'sharp';

/** Decoder pixel cap for previews: the upload cap of PRODUCT.md §5 (50 MP). */
export const MAX_INPUT_PIXELS = 50_000_000;

/**
 * Preview for staff lists: fits 300×300 (aspect kept, never enlarged), auto-oriented, WebP. sharp writes no
 * metadata unless asked (`withMetadata`/`keepMetadata`), so EXIF/GPS/ICC are dropped.
 */
export async function makePreviewWebp(image: Buffer, size = 300): Promise<Buffer> {
  return sharp(image, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' })
    .rotate()
    .resize({ width: size, height: size, fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 80, effort: 4 })
    .toBuffer();
}

/** QR code of a viewer URL (error correction M, quiet zone 2 modules) as PNG and SVG. */
export async function makeQr(url: string): Promise<{ png: Buffer; svg: string }> {
  const options = { errorCorrectionLevel: 'M' as const, margin: 2 };
  const [png, svg] = await Promise.all([
    QRCode.toBuffer(url, { ...options, type: 'png', width: 512 }),
    QRCode.toString(url, { ...options, type: 'svg' }),
  ]);
  return { png, svg };
}

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
  timedOut: boolean;
}

/** Runs a program with an argv array (no shell), a time limit and capped output. */
export function runProcess(
  command: string,
  args: string[],
  options: { timeoutMs: number; maxStdoutBytes?: number },
): Promise<ProcessResult> {
  const maxStdout = options.maxStdoutBytes ?? 16 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], shell: false, windowsHide: true });
    const chunks: Buffer[] = [];
    let size = 0;
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxStdout) child.kill('SIGKILL');
      else chunks.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 8192) stderr += chunk.toString('utf8');
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(chunks), stderr, timedOut });
    });
  });
}

export type PosterResult = { webp: Buffer; atSeconds: number } | { skipped: string };

export interface PosterOptions {
  ffmpegPath?: string;
  ffprobePath?: string;
  timeoutMs?: number;
  /** Longest side of the poster. */
  maxSide?: number;
}

let toolCheck: Promise<string | null> | undefined;

/** null when ffmpeg and ffprobe run; otherwise why not (recorded as the poster's skip reason). */
export function ffmpegUnavailableReason(options: PosterOptions = {}): Promise<string | null> {
  const check = async (): Promise<string | null> => {
    for (const tool of [options.ffprobePath ?? 'ffprobe', options.ffmpegPath ?? 'ffmpeg']) {
      try {
        const result = await runProcess(tool, ['-version'], { timeoutMs: 10_000 });
        if (result.code !== 0) return `${tool} -version exited with ${result.code}`;
      } catch (error) {
        return `${tool} is not installed (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
      }
    }
    return null;
  };
  if (options.ffmpegPath !== undefined || options.ffprobePath !== undefined) return check();
  toolCheck ??= check();
  return toolCheck;
}

/**
 * Poster frame of a local video file: ffprobe reads the duration, ffmpeg grabs one frame at 10% of it (at most
 * 1 s in: skips black fade-ins), sharp turns it into a WebP without metadata. Without ffmpeg, or for a video
 * ffmpeg cannot read, the poster is skipped with the reason; it never throws for that.
 */
export async function extractPoster(videoPath: string, options: PosterOptions = {}): Promise<PosterResult> {
  const unavailable = await ffmpegUnavailableReason(options);
  if (unavailable !== null) return { skipped: unavailable };
  const timeoutMs = options.timeoutMs ?? 30_000;
  // `file:` prefix: a path starting with '-' or containing ':' can never be read as an option or a protocol.
  const input = `file:${videoPath}`;
  const probe = await runProcess(
    options.ffprobePath ?? 'ffprobe',
    ['-v', 'error', '-show_entries', 'format=duration', '-of', 'default=noprint_wrappers=1:nokey=1', input],
    { timeoutMs },
  );
  if (probe.timedOut) return { skipped: 'ffprobe timed out' };
  if (probe.code !== 0) return { skipped: `ffprobe could not read the video: ${probe.stderr.trim().slice(0, 200)}` };
  const duration = Number.parseFloat(probe.stdout.toString('utf8').trim());
  const atSeconds = Number.isFinite(duration) && duration > 0 ? Math.min(1, duration * 0.1) : 0;
  const grab = await runProcess(
    options.ffmpegPath ?? 'ffmpeg',
    [
      '-nostdin',
      '-v',
      'error',
      '-ss',
      atSeconds.toFixed(3),
      '-i',
      input,
      '-frames:v',
      '1',
      '-an',
      '-sn',
      '-dn',
      '-f',
      'image2pipe',
      '-c:v',
      'png',
      'pipe:1',
    ],
    { timeoutMs },
  );
  if (grab.timedOut) return { skipped: 'ffmpeg timed out' };
  if (grab.code !== 0 || grab.stdout.length === 0) {
    return { skipped: `ffmpeg could not extract a frame: ${grab.stderr.trim().slice(0, 200) || 'no output'}` };
  }
  const maxSide = options.maxSide ?? 1280;
  const webp = await sharp(grab.stdout, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' })
    .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 80 })
    .toBuffer();
  return { webp, atSeconds };
}
