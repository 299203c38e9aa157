import { availableParallelism } from 'node:os';

export const TARGET_COMPILER_OPTIONS = Symbol('TARGET_COMPILER_OPTIONS');

export interface TargetCompilerOptions {
  /**
   * Longest side (px) the image is resized to before compiling. 1024 keeps every keyframe the viewer can use:
   * MindAR matches camera frames (640×480 to 1280×720) against keyframes from 100 px up to this size, and its
   * tracking images are always 256 and 128 px on the short side, so larger inputs only add time (2048 px takes
   * ~3× as long) and file size (+40%) without better tracking. Smaller (768) saves time on slow hosts.
   */
  maxSide: number;
  /** Compiles running at once, each in its own worker thread (one CPU core each). */
  concurrency: number;
  /** A compile running longer than this is stopped (its worker terminated) and fails. */
  timeoutMs: number;
  /** Heap cap for a compile worker. */
  maxWorkerHeapMb: number;
  /** Decoder pixel cap (sharp `limitInputPixels`), matching the upload cap. */
  maxInputPixels: number;
  /** Use the equivalent fast shader runner (mindar-fast-shader.mjs) instead of MindAR's mathjs one. */
  fastKernels: boolean;
}

/** One compile per two cores: compiles are CPU-bound and the API thread must keep a core. */
export function defaultTargetCompilerOptions(): TargetCompilerOptions {
  return {
    maxSide: 1024,
    concurrency: Math.max(1, Math.floor(availableParallelism() / 2)),
    timeoutMs: 120_000,
    maxWorkerHeapMb: 1024,
    maxInputPixels: 50_000_000,
    fastKernels: true,
  };
}
