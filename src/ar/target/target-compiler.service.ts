import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Inject, Injectable, Optional } from '@nestjs/common';
import sharp from 'sharp';
import { TargetCompileError } from './target-compiler.errors';
import { defaultTargetCompilerOptions, TARGET_COMPILER_OPTIONS, type TargetCompilerOptions } from './target-compiler.options';
import { assessTrackability, type Trackability } from './trackability';

export interface CompiledTarget {
  /** MindAR `.mind` file: msgpack `{ v: 2, dataList: [{ targetImage, trackingData, matchingData }] }`. */
  mind: Buffer;
  /** Size of the image the target was compiled from (after orientation and resizing). */
  width: number;
  height: number;
  featurePoints: number;
  trackability: Trackability;
  /** Per-scale counts and timings, for logs and benchmarks. */
  details: {
    matchingPoints: number[];
    trackingPoints: number[];
    entropy: number;
    sharpness: number;
    loadMs: number;
    compileMs: number;
    totalMs: number;
  };
}

interface WorkerDone {
  type: 'done';
  mind: Uint8Array;
  matchingPoints: number[];
  trackingPoints: number[];
  timings: { loadMs: number; compileMs: number };
}
type WorkerMessage = { type: 'progress'; percent: number } | WorkerDone | { type: 'error'; message: string };

/**
 * The worker is a plain ESM file (MindAR is ESM-only) that runs unchanged from `src/` under vitest and from
 * `dist/` (nest-cli.json copies the `.mjs` files next to this compiled file), so one path works for both.
 */
export const COMPILER_WORKER_FILE = join(__dirname, 'mind-compiler.worker.mjs');

/**
 * Compiles MindAR image targets off the API thread: sharp decodes and resizes here (libvips runs on its own
 * threads), MindAR's compiler runs in a fresh worker thread per compile (isolated heap with a cap, killed on
 * timeout, nothing leaks between compiles; starting one costs ~0.3 s next to seconds of compiling). At most
 * `concurrency` compiles run at once; the others wait in FIFO order.
 */
@Injectable()
export class TargetCompilerService {
  private readonly options: TargetCompilerOptions;
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly workers = new Set<Worker>();

  constructor(@Optional() @Inject(TARGET_COMPILER_OPTIONS) options?: Partial<TargetCompilerOptions>) {
    this.options = { ...defaultTargetCompilerOptions(), ...options };
  }

  get settings(): Readonly<TargetCompilerOptions> {
    return this.options;
  }

  /** Compiles are queued behind this many running ones (for status displays and tests). */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  async compile(image: Buffer): Promise<CompiledTarget> {
    const started = performance.now();
    const prepared = await this.prepare(image);
    await this.acquire();
    try {
      const result = await this.runWorker(prepared.rgba, prepared.width, prepared.height);
      const trackability = assessTrackability({
        matchingPoints: result.matchingPoints,
        trackingPoints: result.trackingPoints,
        contrast: prepared.contrast,
        entropy: prepared.entropy,
        sharpness: prepared.sharpness,
        minSide: Math.min(prepared.width, prepared.height),
      });
      return {
        mind: Buffer.from(result.mind.buffer, result.mind.byteOffset, result.mind.byteLength),
        width: prepared.width,
        height: prepared.height,
        featurePoints: trackability.featurePoints,
        trackability,
        details: {
          matchingPoints: result.matchingPoints,
          trackingPoints: result.trackingPoints,
          entropy: Math.round(prepared.entropy * 100) / 100,
          sharpness: Math.round(prepared.sharpness * 100) / 100,
          loadMs: result.timings.loadMs,
          compileMs: result.timings.compileMs,
          totalMs: Math.round(performance.now() - started),
        },
      };
    } finally {
      this.release();
    }
  }

  /** Stops running compiles (application shutdown). */
  async onModuleDestroy(): Promise<void> {
    await Promise.all([...this.workers].map((worker) => worker.terminate()));
  }

  private async prepare(image: Buffer) {
    try {
      // Auto-orient (EXIF), flatten transparency onto white like a print, shrink to maxSide, never enlarge.
      const { data, info } = await sharp(image, { limitInputPixels: this.options.maxInputPixels, failOn: 'error' })
        .rotate()
        .flatten({ background: '#ffffff' })
        .resize({ width: this.options.maxSide, height: this.options.maxSide, fit: 'inside', withoutEnlargement: true })
        .ensureAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      const stats = await sharp(data, { raw: { width: info.width, height: info.height, channels: 4 } })
        .removeAlpha()
        .greyscale()
        .stats();
      const luminance = stats.channels[0];
      return {
        rgba: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
        width: info.width,
        height: info.height,
        contrast: luminance.stdev,
        entropy: stats.entropy,
        sharpness: stats.sharpness,
      };
    } catch (error) {
      throw new TargetCompileError('invalid_image', `The image cannot be decoded: ${(error as Error).message}`);
    }
  }

  private runWorker(rgba: Uint8Array, width: number, height: number): Promise<WorkerDone> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(pathToFileURL(COMPILER_WORKER_FILE), {
        workerData: { width, height, rgba, fastKernels: this.options.fastKernels },
        transferList: [rgba.buffer as ArrayBuffer],
        resourceLimits: { maxOldGenerationSizeMb: this.options.maxWorkerHeapMb },
        stdout: true,
        stderr: true,
      });
      this.workers.add(worker);
      let settled = false;
      const finish = (error: TargetCompileError | null, done?: WorkerDone) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.workers.delete(worker);
        void worker.terminate();
        if (error) reject(error);
        else resolve(done!);
      };
      const timer = setTimeout(
        () => finish(new TargetCompileError('timeout', `Target compile took longer than ${this.options.timeoutMs} ms`)),
        this.options.timeoutMs,
      );
      // Drain the worker's (silenced) output streams so a chatty library can never block it.
      worker.stdout.resume();
      worker.stderr.resume();
      worker.on('message', (message: WorkerMessage) => {
        if (message.type === 'done') finish(null, message);
        else if (message.type === 'error') finish(new TargetCompileError('compiler_error', message.message));
      });
      worker.on('error', (error) => finish(new TargetCompileError('compiler_error', error.message)));
      worker.on('exit', (code) => finish(new TargetCompileError('compiler_error', `Compiler worker exited with code ${code}`)));
    });
  }

  private acquire(): Promise<void> {
    if (this.running < this.options.concurrency) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}
